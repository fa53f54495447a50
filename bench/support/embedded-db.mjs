// The embedded MongoDB-compatible server in a process of its own (production requires MONGODB_URI),
// journaled in DATA_DIR like the app's own. Sends its URI to the parent over IPC; stops on SIGTERM.
import { EmbeddedMongo } from '../../dist/database/embedded/embedded-mongo.js';

const mongo = new EmbeddedMongo({ dataDir: process.env.DATA_DIR });
const uri = await mongo.start();
const stop = async () => {
  await mongo.stop();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.once('disconnect', stop);
process.send({ uri });
