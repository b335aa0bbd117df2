#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../config.js';
import { backupDataDirectory } from './backup.js';
import { edgeInstall, edgeServe } from './edge.js';
import { evalCommand } from './eval.js';
import { addEvalCommand } from './evalOptions.js';
import { describeReport, falseAlarmRate } from './falseAlarmRate.js';
import { importDataset } from './import.js';
import { rewrapKey } from './keysRewrap.js';
import { serve } from './serve.js';

const program = new Command('vigil').description('Self-hosted visual anomaly detection, wire-compatible with Amazon Lookout for Vision');

const port = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a port is a number from 0 to 65535');
  return Number(value);
};

program
  .command('serve')
  .description('run the HTTPS service (Lookout for Vision API) on the embedded defaults')
  .option('--data-dir <dir>', 'data directory (env VIGIL_DATA_DIR, default ./.vigil)')
  .option('--host <host>', 'address to listen on (env VIGIL_HOST, default 127.0.0.1)')
  .option('--port <port>', 'HTTPS port, 0 for any free port (env VIGIL_PORT, default 8443)', port)
  .option('--region <region>', 'region of ARNs and examples (env VIGIL_REGION, default us-east-1)')
  .option('--tls-cert <file>', 'PEM certificate to serve instead of the generated one (env VIGIL_TLS_CERT)')
  .option('--tls-key <file>', 'PEM private key of --tls-cert (env VIGIL_TLS_KEY)')
  .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (env VIGIL_LOG_LEVEL, default info)')
  .option('--role <role>', 'with a shared PostgreSQL database: api (answers, queues jobs), worker (also runs jobs) or all (env VIGIL_ROLE, default all)')
  .option('--config <file>', 'JSON file with any of the settings above (env VIGIL_CONFIG)')
  .action(async (options: Record<string, string | number | undefined>) => {
    await serve({
      role: options.role,
      dataDir: options.dataDir,
      host: options.host,
      port: options.port,
      region: options.region,
      tlsCert: options.tlsCert,
      tlsKey: options.tlsKey,
      logLevel: options.logLevel,
      config: options.config as string | undefined,
    });
  });

program
  .command('backup')
  .description('copy the data directory (database, sealed objects, root key file, TLS pair) consistently into DIR, also while vigil serve runs; DIR is then a data directory')
  .argument('<dir>', 'new or empty directory, outside the data directory')
  .option('--data-dir <dir>', 'data directory to back up (env VIGIL_DATA_DIR, default ./.vigil)')
  .option('--config <file>', 'JSON configuration file (env VIGIL_CONFIG)')
  .option('--with-root-key', 'copy keys/root.key into the backup too (default: left out, so the backup alone reveals nothing)')
  .action(async (dir: string, o: Record<string, string | boolean | undefined>) => {
    process.umask(0o077);
    const report = await backupDataDirectory({ dataDir: o.dataDir as string | undefined, config: o.config as string | undefined }, dir, { withRootKey: o.withRootKey === true });
    process.stdout.write(`backed up to ${report.directory}: database and ${report.blobFiles} sealed objects (${report.blobBytes} bytes)\n`);
    process.stdout.write(
      report.rootKeyIncluded
        ? 'the root key file is in the backup: whoever holds the backup can read everything in it\n'
        : 'the root key is not in the backup: to restore, put keys/root.key (or VIGIL_ROOT_KEY, or the token) back beside it\n',
    );
  });

addEvalCommand(program, evalCommand);

program
  .command('import')
  .description('fill a project dataset from a local folder (normal/ and anomaly/ subfolders) or a local manifest, through a running Vigil')
  .requiredOption('--project <name>', 'project (created when missing)')
  .option('--dataset <type>', 'train or test', 'train')
  .option('--folder <dir>', 'folder with normal/ and anomaly/ subfolders: images are labelled by folder name')
  .option('--manifest <file>', 'Ground Truth manifest whose relative source-ref and *-ref paths name local files')
  .option('--images-dir <dir>', "where the manifest's relative paths start (default: the manifest's folder)")
  .option('--bucket <name>', 'bucket to upload into (created when missing)', 'vigil-datasets')
  .option('--prefix <prefix>', 'key prefix of the uploads (default: <project>/<dataset>/<time>/)')
  .option('--endpoint <url>', 'Vigil endpoint (default: https://host:port of the configuration)')
  .option('--ca-bundle <file>', 'CA certificate to trust (default: <data>/tls/cert.pem)')
  .option('--data-dir <dir>', 'data directory holding credentials and certificate (env VIGIL_DATA_DIR, default ./.vigil)')
  .option('--port <port>', 'port of the running Vigil (env VIGIL_PORT, default 8443)', port)
  .option('--config <file>', 'JSON configuration file (env VIGIL_CONFIG)')
  .action(async (o: Record<string, string | number | undefined>) => {
    if (o.dataset !== 'train' && o.dataset !== 'test') throw new InvalidArgumentError('--dataset is train or test');
    const dataset = await importDataset(
      { dataDir: o.dataDir, port: o.port, config: o.config as string | undefined },
      {
        project: o.project as string,
        dataset: o.dataset,
        folder: o.folder as string | undefined,
        manifest: o.manifest as string | undefined,
        imagesDir: o.imagesDir as string | undefined,
        bucket: o.bucket as string,
        prefix: o.prefix as string | undefined,
        endpoint: o.endpoint as string | undefined,
        caBundle: o.caBundle as string | undefined,
      },
    );
    const stats = dataset.ImageStats ?? {};
    process.stdout.write(
      `${o.project}/${o.dataset}: ${dataset.Status}, ${stats.Total} images (${stats.Normal} normal, ${stats.Anomaly} anomaly, ${(stats.Total ?? 0) - (stats.Labeled ?? 0)} unlabelled)\n`,
    );
  });

const keys = program.command('keys').description('work on the data protected by KMS keys');
keys
  .command('rewrap')
  .description('after a key rotation, wrap the data keys of every stored object under KEY again under its newest version (object bodies are copied, not decrypted)')
  .argument('<key>', 'key id, key ARN, alias name or alias ARN')
  .option('--endpoint <url>', 'Vigil endpoint (default: https://host:port of the configuration)')
  .option('--ca-bundle <file>', 'CA certificate to trust (default: <data>/tls/cert.pem)')
  .option('--data-dir <dir>', 'data directory holding credentials and certificate (env VIGIL_DATA_DIR, default ./.vigil)')
  .option('--port <port>', 'port of the running Vigil (env VIGIL_PORT, default 8443)', port)
  .option('--config <file>', 'JSON configuration file (env VIGIL_CONFIG)')
  .option('--batch-size <n>', 'objects per request (1 to 10000, default 1000)', (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 10_000) throw new InvalidArgumentError('a batch size is a number from 1 to 10000');
    return Number(value);
  })
  .option('--start-after <object>', 'resume after this stored object, as an interrupted run printed')
  .option('--json', 'print the totals as JSON')
  .action(async (key: string, o: Record<string, string | number | boolean | undefined>) => {
    const answer = await rewrapKey({ dataDir: o.dataDir as string | undefined, port: o.port as number | undefined, config: o.config as string | undefined }, key, {
      endpoint: o.endpoint as string | undefined,
      caBundle: o.caBundle as string | undefined,
      batchSize: o.batchSize as number | undefined,
      startAfter: o.startAfter as string | undefined,
      onProgress: (totals) => process.stderr.write(`… ${totals.ObjectsExamined} objects examined, ${totals.DataKeysRewrapped} data keys rewrapped, ${totals.Failed} failed\n`),
    });
    if (o.json) {
      process.stdout.write(`${JSON.stringify(answer)}\n`);
    } else {
      process.stdout.write(
        `${answer.KeyArn}: ${answer.DataKeysRewrapped} data keys rewrapped, ${answer.ObjectsInFormat1} format-1 objects left as they are, ${answer.Failed} failed, ${answer.ObjectsExamined} objects examined\n`,
      );
      for (const failed of answer.FailedObjects) process.stdout.write(`failed: ${failed}\n`);
    }
    if (answer.Failed > 0) process.exitCode = 1;
  });

const models = program.command('models').description('settings of trained models, through a running Vigil');
models
  .command('false-alarm-rate')
  .description('show or set the share of good parts a model flags (tag vigil:false-alarm-rate, applied to the hosted model at once) and what it is expected to do there')
  .argument('<project>', 'project name')
  .argument('<version>', 'model version, or latest')
  .argument('[rate]', 'target as a decimal from 0.0001 to 0.5 (0.01 is 1 %); without it and --default, shows the setting and the operating curve')
  .option('--default', "remove the target: back to the model's calibrated threshold")
  .option('--json', 'print the report as JSON')
  .option('--endpoint <url>', 'Vigil endpoint (default: https://host:port of the configuration)')
  .option('--ca-bundle <file>', 'CA certificate to trust (default: <data>/tls/cert.pem)')
  .option('--data-dir <dir>', 'data directory holding credentials and certificate (env VIGIL_DATA_DIR, default ./.vigil)')
  .option('--port <port>', 'port of the running Vigil (env VIGIL_PORT, default 8443)', port)
  .option('--config <file>', 'JSON configuration file (env VIGIL_CONFIG)')
  .action(async (project: string, version: string, rate: string | undefined, o: Record<string, string | number | boolean | undefined>) => {
    const report = await falseAlarmRate({ dataDir: o.dataDir as string | undefined, port: o.port as number | undefined, config: o.config as string | undefined }, project, version, {
      endpoint: o.endpoint as string | undefined,
      caBundle: o.caBundle as string | undefined,
      set: rate,
      clear: Boolean(o.default),
    });
    process.stdout.write(o.json ? `${JSON.stringify(report)}\n` : describeReport(project, version, report, rate === undefined && !o.default));
  });

const edge = program.command('edge').description('run packaged models on a device, offline: the Lookout for Vision Edge Agent API on a Unix socket');
edge
  .command('install')
  .description('install a model package (StartModelPackagingJob output) from a local folder or from s3://bucket/prefix/<component>/<version>/ in a Vigil')
  .argument('<source>', 'folder holding recipe.json and model.vigilpkg, or its s3:// location')
  .option('--key-file <file>', 'the package key file (default: package-key.json beside the package)')
  .option('--dir <dir>', 'edge directory (env VIGIL_EDGE_DIR, default ./.vigil-edge)')
  .option('--endpoint <url>', 's3:// sources: Vigil endpoint (default: https://host:port of the configuration)')
  .option('--ca-bundle <file>', 's3:// sources: CA certificate to trust (default: <data>/tls/cert.pem)')
  .option('--data-dir <dir>', 's3:// sources: data directory holding credentials and certificate (env VIGIL_DATA_DIR, default ./.vigil)')
  .option('--port <port>', 's3:// sources: port of the running Vigil (env VIGIL_PORT, default 8443)', port)
  .option('--config <file>', 'JSON configuration file (env VIGIL_CONFIG)')
  .action(async (source: string, o: Record<string, string | number | undefined>) => {
    const manifest = await edgeInstall({ dataDir: o.dataDir as string | undefined, port: o.port as number | undefined, config: o.config as string | undefined }, source, {
      dir: o.dir as string | undefined,
      keyFile: o.keyFile as string | undefined,
      endpoint: o.endpoint as string | undefined,
      caBundle: o.caBundle as string | undefined,
    });
    process.stdout.write(`installed ${manifest.componentName} ${manifest.componentVersion} (model ${manifest.modelArn})\n`);
  });
edge
  .command('serve')
  .description('serve the Edge Agent API (DetectAnomalies, StartModel, StopModel, ListModels, DescribeModel) on a Unix socket')
  .option('--dir <dir>', 'edge directory (env VIGIL_EDGE_DIR, default ./.vigil-edge)')
  .option('--socket <path>', 'socket path (default /tmp/aws.iot.lookoutvision.EdgeAgent.sock)')
  .option('--group-access', "let the socket file's group connect too (mode 0660; default owner-only 0600)")
  .option('--start-all', 'start every installed model at once (default: each waits for StartModel)')
  .action(async (o: Record<string, string | boolean | undefined>) => {
    await edgeServe({ dir: o.dir as string | undefined, socket: o.socket as string | undefined, groupAccess: Boolean(o.groupAccess), startAll: Boolean(o.startAll) });
  });

program.parseAsync().catch((error: unknown) => {
  const message = error instanceof ConfigError ? `configuration: ${error.message}` : (error as Error).message;
  process.stderr.write(`vigil: ${message}\n`);
  process.exit(1);
});
