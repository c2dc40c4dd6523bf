/** bench:gateway runs the gateway in its own process: config JSON in KB_GATEWAY_CONFIG; prints its URL. */
import { configSchema } from '../../src/config/schema.ts';
import { Gateway } from '../../src/gateway/gateway.ts';

const config = configSchema.parse({ gateway: JSON.parse(process.env.KB_GATEWAY_CONFIG ?? '{}') }).gateway;
let records = 0;
const gateway = new Gateway({ config, onRecord: () => records++ });
const url = await gateway.listen(0, '127.0.0.1');
process.stdout.write(`${url}\n`);
process.on('SIGTERM', () => {
  process.stderr.write(`records ${records}\n`);
  void gateway.close().then(() => process.exit(0));
});
