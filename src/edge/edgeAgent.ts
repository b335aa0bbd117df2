import { existsSync } from 'node:fs';
import { chmod, lstat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { EdgeCode, EdgeError, type EdgeModels } from './edgeModels.js';

/** The Edge Agent API's proto as AWS published it (proto/edge-agent.proto, MIT-0). From src/edge/, or <outDir>/src/edge/ of a build. */
const PROTO_PLACES = ['../../proto/edge-agent.proto', '../../../proto/edge-agent.proto'].map((path) => fileURLToPath(new URL(path, import.meta.url)));
export const EDGE_AGENT_PROTO = PROTO_PLACES.find((path) => existsSync(path)) ?? PROTO_PLACES[0]!;
[fileURLToPath(new URL('../../proto/edge-agent.proto', import.meta.url)), fileURLToPath(new URL('../../../proto/edge-agent.proto', import.meta.url))].find((path) => existsSync(path)) ?? '';
/** Where Lookout for Vision's Edge Agent listened, and its clients connect. */
export const DEFAULT_SOCKET = '/tmp/aws.iot.lookoutvision.EdgeAgent.sock';
/** A 4096×4096 RGB888 bitmap and the rest of the message. */
const MAX_MESSAGE_BYTES = 4096 * 4096 * 3 + 64 * 1024;

export interface EdgeAgent {
  socketPath: string;
  models: EdgeModels;
  close(): Promise<void>;
}

/**
 * Serves the Lookout for Vision Edge Agent API (gRPC, package AWS.LookoutVision, service EdgeAgent) on a Unix
 * socket, owner-only (0600) or owner and group (0660). A stale socket file left by a killed agent is replaced;
 * one another agent still listens on is not.
 */
export async function startEdgeAgent(models: EdgeModels, options: { socketPath?: string; socketMode?: 0o600 | 0o660 } = {}): Promise<EdgeAgent> {
  const socketPath = options.socketPath ?? DEFAULT_SOCKET;
  await removeStaleSocket(socketPath);
  const definition = protoLoader.loadSync(EDGE_AGENT_PROTO, { keepCase: true, longs: Number, enums: Number, defaults: false, oneofs: true });
  const proto = grpc.loadPackageDefinition(definition) as unknown as { AWS: { LookoutVision: { EdgeAgent: grpc.ServiceClientConstructor } } };
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES, 'grpc.max_send_message_length': MAX_MESSAGE_BYTES });
  server.addService(proto.AWS.LookoutVision.EdgeAgent.service, {
    DetectAnomalies: unary(async (request: { model_component?: string; bitmap?: Parameters<EdgeModels['detect']>[1]; anomaly_mask_params?: { shared_memory_handle?: unknown } }) => {
      if (request.anomaly_mask_params?.shared_memory_handle) {
        throw new EdgeError(EdgeCode.INVALID_ARGUMENT, "Masks in shared memory are not supported by Vigil's edge agent; leave anomaly_mask_params out and read the mask from the response.");
      }
      return { detect_anomaly_result: await models.detect(request.model_component, request.bitmap) };
    }),
    StartModel: unary(async (request: { model_component?: string }) => ({ status: models.start(request.model_component) })),
    StopModel: unary(async (request: { model_component?: string }) => ({ status: await models.stop(request.model_component) })),
    ListModels: unary(async () => ({ models: models.list() })),
    DescribeModel: unary(async (request: { model_component?: string }) => ({ model_description: models.describe(request.model_component) })),
  });
  // The socket is created owner-only (umask), then opened to the group when asked: never wider meanwhile.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => server.bindAsync(`unix://${socketPath}`, grpc.ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve())));
  } finally {
    process.umask(umask);
  }
  await chmod(socketPath, options.socketMode ?? 0o600);
  return {
    socketPath,
    models,
    async close() {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await unlink(socketPath).catch(() => undefined);
    },
  };
}

type Handler<Req, Res> = (request: Req) => Promise<Res>;

/** A unary handler whose EdgeErrors answer with their gRPC code; anything else is INTERNAL without details. */
function unary<Req, Res>(handle: Handler<Req, Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handle(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => {
        if (error instanceof EdgeError) callback({ code: error.code, details: error.message });
        else {
          process.stderr.write(`vigil edge: request failed: ${(error as Error).message}\n`);
          callback({ code: EdgeCode.INTERNAL, details: "An internal error occurred; the agent's log says more." });
        }
      },
    );
  };
}

async function removeStaleSocket(path: string): Promise<void> {
  const stats = await lstat(path).catch(() => undefined);
  if (!stats) return;
  if (!stats.isSocket()) throw new Error(`${path} exists and is not a socket; remove it or choose another --socket`);
  const listening = await new Promise<boolean>((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
  if (listening) throw new Error(`another edge agent is listening on ${path}`);
  await unlink(path);
}
