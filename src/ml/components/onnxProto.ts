/*
 * A minimal ONNX protobuf writer: just enough of ModelProto / GraphProto / NodeProto / TensorProto to
 * describe the feed-forward graphs this engine builds (the converted backbone, the scoring graph).
 * Field numbers follow onnx/onnx.proto (IR version 8, default opset 17). Writing protobuf by hand
 * keeps the dependency list short: the wire format needed here is varints and length-delimited fields.
 */

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_BYTES = 2;

/** Appends protobuf fields into growing chunks; `finish()` concatenates them. */
class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_BYTES);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }
}

export type OnnxAttribute = { name: string; int: number } | { name: string; float: number } | { name: string; ints: number[] } | { name: string; floats: number[] } | { name: string; string: string };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: OnnxAttribute[];
}

export type OnnxElemType = 'float' | 'int64';

export interface OnnxTensor {
  name: string;
  dims: number[];
  type: OnnxElemType;
  data: Float32Array | BigInt64Array;
}

export interface OnnxValueInfo {
  name: string;
  type: OnnxElemType;
  /** A number for a fixed dimension, a string for a symbolic one (any size). */
  shape: Array<number | string>;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

const ELEM_TYPE: Record<OnnxElemType, number> = { float: 1, int64: 7 };
// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;

function writeAttribute(w: ProtoWriter, a: OnnxAttribute): void {
  w.string(1, a.name);
  if ('int' in a) w.int(3, a.int).int(20, ATTR_INT);
  else if ('float' in a) w.float(2, a.float).int(20, ATTR_FLOAT);
  else if ('ints' in a) {
    for (const v of a.ints) w.int(8, v);
    w.int(20, ATTR_INTS);
  } else if ('floats' in a) {
    for (const v of a.floats) w.float(7, v);
    w.int(20, ATTR_FLOATS);
  } else w.string(4, a.string).int(20, ATTR_STRING);
}

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, ELEM_TYPE[t.type]);
  w.string(8, t.name);
  // raw_data is little-endian, which is what typed arrays hold on every platform Node supports.
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, ELEM_TYPE[v.type]);
      tensor.message(2, (shape) => {
        for (const d of v.shape) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

/** Serializes a graph as an ONNX ModelProto (IR 8, the default domain at `opset`). */
export function encodeOnnxModel(graph: OnnxGraph, opset = 17): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, 8); // ir_version
  w.string(2, 'vigil'); // producer_name
  w.message(7, (g) => {
    for (const n of graph.nodes) {
      g.message(1, (node) => {
        for (const i of n.inputs) node.string(1, i);
        for (const o of n.outputs) node.string(2, o);
        if (n.name) node.string(3, n.name);
        node.string(4, n.op);
        for (const a of n.attributes ?? []) node.message(5, (attr) => writeAttribute(attr, a));
      });
    }
    g.string(2, graph.name);
    for (const t of graph.initializers) g.message(5, (tensor) => writeTensor(tensor, t));
    for (const i of graph.inputs) g.message(11, (v) => writeValueInfo(v, i));
    for (const o of graph.outputs) g.message(12, (v) => writeValueInfo(v, o));
  });
  w.message(8, (o) => o.string(1, '').int(2, opset));
  return w.finish();
}
