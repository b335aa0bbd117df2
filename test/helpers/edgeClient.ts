import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { EDGE_AGENT_PROTO } from '../../src/edge/edgeAgent.js';

type Call = (request: object) => Promise<Record<string, unknown>>;

/** The Edge Agent's unary methods, each returning the response as a plain object (enums as their names). */
export interface EdgeClient {
  DetectAnomalies: Call;
  StartModel: Call;
  StopModel: Call;
  ListModels: Call;
  DescribeModel: Call;
  close(): void;
}

/** A plain grpc-js client of the public proto on a Unix socket, as a camera application would make one. */
export function edgeClient(socket: string): EdgeClient {
  const definition = protoLoader.loadSync(EDGE_AGENT_PROTO, { keepCase: true, enums: String, longs: Number, defaults: true, oneofs: true });
  const proto = grpc.loadPackageDefinition(definition) as unknown as { AWS: { LookoutVision: { EdgeAgent: grpc.ServiceClientConstructor } } };
  // Room for large bitmaps and their masks: grpc-js refuses messages over 4 MiB by default.
  const client = new proto.AWS.LookoutVision.EdgeAgent(`unix://${socket}`, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': 64 * 1024 * 1024,
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
  });
  /** A unary method of a @grpc/grpc-js client, called with a callback. */
  type UnaryCall = (request: object, callback: (error: Error | null, response: Record<string, unknown>) => void) => void;
  const call =
    (method: string): Call =>
    (request) =>
      new Promise((resolve, reject) =>
        (client as unknown as Record<string, UnaryCall>)[method](request, (error: Error | null, response: Record<string, unknown>) => (error ? reject(error) : resolve(response))),
      );
  return {
    DetectAnomalies: call('DetectAnomalies'),
    StartModel: call('StartModel'),
    StopModel: call('StopModel'),
    ListModels: call('ListModels'),
    DescribeModel: call('DescribeModel'),
    close: () => client.close(),
  };
}
