import { behaviourSuite } from './behaviour.js';
import { honoServer } from './servers.js';

behaviourSuite('Hono 4', honoServer);
