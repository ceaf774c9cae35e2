// A minimal ONNX ModelProto writer for tests: the protobuf wire format by hand (varints and length-delimited
// fields), only the fields a small float graph needs. Field numbers are those of onnx.proto.

/** Protobuf wire types. */
const VARINT = 0;
const LEN = 2;

class Writer {
  private readonly parts: number[] = [];

  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      this.parts.push(byte);
    } while (v !== 0n);
    return this;
  }

  private key(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }

  int(field: number, value: number): this {
    return this.key(field, VARINT).varint(value);
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, LEN).varint(value.length);
    for (const b of value) this.parts.push(b);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** TensorProto.DataType.FLOAT */
const FLOAT = 1;

/** A dimension: a size, or a symbolic name. */
export type Dim = number | string;

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  /** Integer attributes (AttributeProto type INT). */
  ints?: Record<string, number>;
}

export interface GraphSpec {
  inputs: { name: string; shape: Dim[] }[];
  outputs: { name: string; shape: Dim[] }[];
  /** Float32 initializers. */
  initializers: { name: string; dims: number[]; values: ArrayLike<number> }[];
  nodes: NodeSpec[];
  opset?: number;
  irVersion?: number;
}

function valueInfo(w: Writer, { name, shape }: { name: string; shape: Dim[] }): void {
  w.string(1, name); // ValueInfoProto.name
  w.message(2, (type) =>
    // TypeProto.tensor_type
    type.message(1, (tensor) => {
      tensor.int(1, FLOAT); // elem_type
      tensor.message(2, (s) => {
        // TensorShapeProto.dim: dim_value (1) or dim_param (2)
        for (const d of shape)
          s.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

/** The bytes of an ONNX model (ModelProto) with one graph. */
export function onnxModel(spec: GraphSpec): Uint8Array {
  const model = new Writer();
  model.int(1, spec.irVersion ?? 8); // ir_version
  model.string(2, 'osusume-test'); // producer_name
  model.message(7, (graph) => {
    for (const node of spec.nodes) {
      graph.message(1, (n) => {
        for (const input of node.inputs) n.string(1, input);
        for (const output of node.outputs) n.string(2, output);
        n.string(3, `${node.op}_${node.outputs[0]}`); // name
        n.string(4, node.op); // op_type
        for (const [name, value] of Object.entries(node.ints ?? {})) {
          // AttributeProto: name (1), i (3), type (20) = INT (2)
          n.message(5, (a) => a.string(1, name).int(3, value).int(20, 2));
        }
      });
    }
    graph.string(2, 'test'); // name
    for (const init of spec.initializers) {
      graph.message(5, (t) => {
        for (const d of init.dims) t.int(1, d); // dims
        t.int(2, FLOAT); // data_type
        t.string(8, init.name); // name
        const raw = new Float32Array(init.values);
        t.bytes(9, new Uint8Array(raw.buffer)); // raw_data (little-endian)
      });
    }
    for (const input of spec.inputs) graph.message(11, (v) => valueInfo(v, input));
    for (const output of spec.outputs) graph.message(12, (v) => valueInfo(v, output));
  });
  // OperatorSetIdProto: domain "" (default), version.
  model.message(8, (o) => o.string(1, '').int(2, spec.opset ?? 13));
  return model.finish();
}

/**
 * The test's poster model: image [N, 3, size, size] → GlobalAveragePool → Flatten → MatMul W [3, T] → Add B [T]
 * → Sigmoid → tags [N, T]: each tag's score is σ(w_t · mean colour + b_t).
 */
export function colourModel(
  weights: number[][],
  bias: number[],
  options: { size?: Dim; batch?: Dim } = {},
): Uint8Array {
  const size = options.size ?? 8;
  const tags = bias.length;
  return onnxModel({
    inputs: [{ name: 'image', shape: [options.batch ?? 'N', 3, size, size] }],
    outputs: [{ name: 'tags', shape: [options.batch ?? 'N', tags] }],
    initializers: [
      { name: 'W', dims: [3, tags], values: weights.flat() },
      { name: 'B', dims: [tags], values: bias },
    ],
    nodes: [
      { op: 'GlobalAveragePool', inputs: ['image'], outputs: ['pooled'] },
      { op: 'Flatten', inputs: ['pooled'], outputs: ['flat'], ints: { axis: 1 } },
      { op: 'MatMul', inputs: ['flat', 'W'], outputs: ['logits'] },
      { op: 'Add', inputs: ['logits', 'B'], outputs: ['shifted'] },
      { op: 'Sigmoid', inputs: ['shifted'], outputs: ['tags'] },
    ],
  });
}
