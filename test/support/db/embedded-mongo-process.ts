import { EmbeddedMongo } from '../../../src/database/embedded/embedded-mongo.js';

// A database server the tests can SIGKILL: the embedded server alone, on EMBEDDED_MONGO_PORT, keeping
// its data under EMBEDDED_MONGO_DATA_DIR.
const server = new EmbeddedMongo({
  port: Number(process.env.EMBEDDED_MONGO_PORT),
  dataDir: process.env.EMBEDDED_MONGO_DATA_DIR,
});
console.log(`listening ${await server.start()}`);
