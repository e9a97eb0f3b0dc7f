#!/usr/bin/python3
"""An independent TFRecord implementation for the interop tests of lib/tfrecord.

Framing uses crcmod's CRC-32C; tf.train.Example comes from Google's protobuf
runtime with the message types built at run time from descriptors (the same
field numbers as tensorflow/core/example/{example,feature}.proto), so no
TensorFlow is needed.

    tfrecord_interop.py check           exit 0 when protobuf and crcmod import
    tfrecord_interop.py write OUT.tfr   write the fixed cases; print them as JSON
    tfrecord_interop.py read IN.tfr     check both CRCs of every record, parse it,
                                        print the records as JSON

JSON form of a record: {"feature name": {"kind": "bytes", "value": [base64...]},
                        ... "float" -> [numbers], "int64" -> [decimal strings]}
"""
import base64
import json
import struct
import sys


def masked_crc(data):
    import crcmod.predefined

    crc = crcmod.predefined.mkCrcFun("crc-32c")(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def example_classes(packed):
    """tf.train.Example built from descriptors; packed selects how repeated scalars serialize."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    F = descriptor_pb2.FieldDescriptorProto
    package = "interop_packed" if packed else "interop_unpacked"
    fd = descriptor_pb2.FileDescriptorProto(name=f"{package}.proto", package=package, syntax="proto2")

    def message(name, fields, nested=()):
        m = fd.message_type.add(name=name)
        for nm in nested:
            m.nested_type.add().CopyFrom(nm)
        for fname, number, ftype, label, type_name, is_packed, oneof in fields:
            f = m.field.add(name=fname, number=number, type=ftype, label=label)
            if type_name:
                f.type_name = f".{package}.{type_name}"
            if is_packed is not None:
                f.options.packed = is_packed
            if oneof is not None:
                f.oneof_index = oneof
        return m

    REP, OPT = F.LABEL_REPEATED, F.LABEL_OPTIONAL
    message("BytesList", [("value", 1, F.TYPE_BYTES, REP, None, None, None)])
    message("FloatList", [("value", 1, F.TYPE_FLOAT, REP, None, packed, None)])
    message("Int64List", [("value", 1, F.TYPE_INT64, REP, None, packed, None)])
    feat = message("Feature", [
        ("bytes_list", 1, F.TYPE_MESSAGE, OPT, "BytesList", None, 0),
        ("float_list", 2, F.TYPE_MESSAGE, OPT, "FloatList", None, 0),
        ("int64_list", 3, F.TYPE_MESSAGE, OPT, "Int64List", None, 0),
    ])
    feat.oneof_decl.add(name="kind")
    entry = descriptor_pb2.DescriptorProto(name="FeatureEntry")
    entry.field.add(name="key", number=1, type=F.TYPE_STRING, label=OPT)
    entry.field.add(name="value", number=2, type=F.TYPE_MESSAGE, label=OPT,
                    type_name=f".{package}.Feature")
    entry.options.map_entry = True
    features = fd.message_type.add(name="Features")
    features.nested_type.add().CopyFrom(entry)
    features.field.add(name="feature", number=1, type=F.TYPE_MESSAGE, label=REP,
                       type_name=f".{package}.Features.FeatureEntry")
    message("Example", [("features", 1, F.TYPE_MESSAGE, OPT, "Features", None, None)])

    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    if hasattr(message_factory, "GetMessageClass"):
        get = message_factory.GetMessageClass
    else:
        factory = message_factory.MessageFactory(pool)
        get = factory.GetPrototype
    return get(pool.FindMessageTypeByName(f"{package}.Example"))


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


CASES = [
    {"image": ("bytes", [b"\xff\xd8\xff\xe0fake jpeg", b""]), "label": ("int64", [7]),
     "width": ("int64", [640]), "height": ("int64", [480])},
    {"big": ("int64", [0, 1, -1, 2**31, -(2**31), 2**53 - 1, 2**63 - 1, -(2**63)]),
     "floats": ("float", [0.0, -1.5, 3.14159, 1e-30, 6.5e30]), "empty": ("float", [])},
    {"text": ("bytes", ["naïve ☃".encode()]), "many": ("int64", list(range(300)))},
]


def to_json(ex):
    out = {}
    for key in ex.features.feature:
        feat = ex.features.feature[key]
        kind = feat.WhichOneof("kind")
        if kind == "bytes_list":
            out[key] = {"kind": "bytes", "value": [base64.b64encode(v).decode() for v in feat.bytes_list.value]}
        elif kind == "float_list":
            out[key] = {"kind": "float", "value": list(feat.float_list.value)}
        elif kind == "int64_list":
            out[key] = {"kind": "int64", "value": [str(v) for v in feat.int64_list.value]}
    return out


def write(path):
    records = []
    with open(path, "wb") as f:
        for packed in (True, False):
            Example = example_classes(packed)
            for case in CASES:
                ex = Example()
                for key, (kind, values) in case.items():
                    feat = ex.features.feature[key]
                    if kind == "bytes":
                        feat.bytes_list.value.extend(values)
                    elif kind == "float":
                        feat.float_list.value.extend(values)
                        if not values:
                            feat.float_list.SetInParent()
                    else:
                        feat.int64_list.value.extend(values)
                data = ex.SerializeToString()
                header = struct.pack("<Q", len(data))
                f.write(header + struct.pack("<I", masked_crc(header)) + data + struct.pack("<I", masked_crc(data)))
                records.append(to_json(ex))
    json.dump(records, sys.stdout)


def read(path):
    Example = example_classes(True)
    with open(path, "rb") as f:
        blob = f.read()
    records, off = [], 0
    while off < len(blob):
        header = blob[off:off + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack_from("<I", blob, off + 8)
        if length_crc != masked_crc(header):
            sys.exit(f"length CRC mismatch at byte {off}")
        data = blob[off + 12:off + 12 + length]
        (data_crc,) = struct.unpack_from("<I", blob, off + 12 + length)
        if data_crc != masked_crc(data):
            sys.exit(f"data CRC mismatch at byte {off}")
        ex = Example()
        ex.ParseFromString(data)
        records.append(to_json(ex))
        off += 12 + length + 4
    json.dump(records, sys.stdout)


def main():
    cmd = sys.argv[1]
    if cmd == "check":
        import crcmod.predefined  # noqa: F401
        from google.protobuf import descriptor_pb2  # noqa: F401
        example_classes(True)
    elif cmd == "write":
        write(sys.argv[2])
    elif cmd == "read":
        read(sys.argv[2])
    else:
        sys.exit(f"unknown command {cmd!r}")


if __name__ == "__main__":
    main()
