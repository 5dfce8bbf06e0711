import { behaviourSuite } from './behaviour.js';
import { fastifyServer } from './servers.js';

behaviourSuite('Fastify 5', fastifyServer, { perRouteCsrf: true });
