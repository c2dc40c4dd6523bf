/**
 * bench:gateway runs the gateway in its own process: config JSON in KB_GATEWAY_CONFIG; prints its
 * URL. With KB_SPOOL_DIR, each record is logged to a spool there and the answer ends once it is
 * fsynced, as `collect` and `gateway` do; the record is then let go (no store behind it here).
 */
import { configSchema } from '../../src/config/schema.ts';
import { Spool } from '../../src/collect/spool.ts';
import { Gateway, type GatewayRecord } from '../../src/gateway/gateway.ts';
import { gatewayRecordToRequest } from '../../src/gateway/telemetry.ts';

const config = configSchema.parse({ gateway: JSON.parse(process.env.KB_GATEWAY_CONFIG ?? '{}') }).gateway;
const spoolDir = process.env.KB_SPOOL_DIR;
const spool = spoolDir ? new Spool(spoolDir) : null;
await spool?.open();
let records = 0;

async function spooled(spool: Spool, record: GatewayRecord): Promise<void> {
  spool.append(gatewayRecordToRequest(record, { cluster: 'bench', modelAliases: {} }));
  await spool.synced();
  spool.release([record.requestId]);
}

const gateway = new Gateway({
  config,
  onRecord: (record) => {
    records++;
    return spool ? spooled(spool, record) : undefined;
  },
});
const url = await gateway.listen(0, '127.0.0.1');
process.stdout.write(`${url}\n`);
process.on('SIGTERM', () => {
  process.stderr.write(`records ${records}\n`);
  void gateway
    .close()
    .then(() => spool?.close())
    .then(() => process.exit(0));
});
