import { behaviourSuite } from './behaviour.js';
import { koaServer } from './servers.js';

behaviourSuite('Koa 3', koaServer);
