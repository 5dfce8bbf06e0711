import { behaviourSuite } from './behaviour.js';
import { nodeServer } from './servers.js';

behaviourSuite('node:http', nodeServer);
