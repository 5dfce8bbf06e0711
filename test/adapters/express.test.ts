import { behaviourSuite } from './behaviour.js';
import { expressServer } from './servers.js';

behaviourSuite('Express 5', expressServer);
