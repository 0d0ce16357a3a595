package grpc

import (
	"context"
	"math"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// A webhook body reaches Event.parse as a google.protobuf.Struct, and the use case reads it as the plain map
// Struct.AsMap gives. Decoding it into Structs first and converting them after took most of a parse call's own
// cost: a Struct, a map entry and a Value per field, all garbage once converted (profiled and measured in
// BENCHMARKS.md). So the codec reads the body's wire bytes straight into that map, and the handler takes it from
// the call's context.
//
// The direct reading takes only the plain encoding every protobuf library writes: each field once, nothing
// unknown, valid UTF-8, within the depth limit. Anything else (duplicate keys, merged fields, unknown fields,
// a body too deep or too big) is decoded by protobuf itself and converted as before, so protobuf stays the one
// authority on what a message means and every refusal keeps its text. FuzzDecodeDocument holds the direct
// reading to protobuf's on any input.

// documentField is the field of a plugin request that holds the webhook body: data, a Struct. Zero when a
// request has none.
func documentField(md protoreflect.MessageDescriptor) protowire.Number {
	f := md.Fields().ByName("data")
	if f == nil || f.IsList() || f.Message() == nil || f.Message().FullName() != "google.protobuf.Struct" {
		return 0
	}
	return f.Number()
}

// splitField finds the one occurrence of field num, length-delimited, in the message encoding b, and returns the
// bytes before it, its contents and the bytes after it: each of before and after is itself a message encoding.
// ok is false when b cannot be read or holds the field other than once.
func splitField(b []byte, num protowire.Number) (before, field, after []byte, ok bool) {
	found := false
	for rest := b; len(rest) > 0; {
		n, typ, tagLen := protowire.ConsumeTag(rest)
		if tagLen < 0 {
			return nil, nil, nil, false
		}
		fieldLen := protowire.ConsumeFieldValue(n, typ, rest[tagLen:])
		if fieldLen < 0 {
			return nil, nil, nil, false
		}
		if n == num {
			if found || typ != protowire.BytesType {
				return nil, nil, nil, false
			}
			start := len(b) - len(rest)
			v, _ := protowire.ConsumeBytes(rest[tagLen:])
			before, field, after, found = b[:start], v, b[start+tagLen+fieldLen:], true
		}
		rest = rest[tagLen+fieldLen:]
	}
	return before, field, after, found
}

// decodeDocument reads b, the contents of a Struct, as the map Struct.AsMap would give for it, the Struct being
// level 1 of at most maxDepth. ok is false for anything but the plain encoding (see above).
func decodeDocument(b []byte, maxDepth int) (doc map[string]any, ok bool) {
	return readStruct(b, 1, maxDepth)
}

// Struct: repeated entries of field 1, each a map entry of key 1 (string) and value 2 (Value).
func readStruct(b []byte, depth, maxDepth int) (map[string]any, bool) {
	if depth > maxDepth {
		return nil, false
	}
	n, ok := countRepeated(b)
	if !ok {
		return nil, false
	}
	m := make(map[string]any, n)
	for len(b) > 0 {
		entry, size := consumeField1(b)
		b = b[size:]
		k, v, ok := readEntry(entry, depth, maxDepth)
		if !ok {
			return nil, false
		}
		if _, dup := m[k]; dup {
			return nil, false
		}
		m[k] = v
	}
	return m, true
}

func readEntry(b []byte, depth, maxDepth int) (key string, value any, ok bool) {
	var k, v []byte
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || typ != protowire.BytesType {
			return "", nil, false
		}
		field, m := protowire.ConsumeBytes(b[n:])
		if m < 0 {
			return "", nil, false
		}
		b = b[n+m:]
		switch {
		case num == 1 && k == nil:
			k = field
		case num == 2 && v == nil:
			v = field
		default:
			return "", nil, false
		}
	}
	if k == nil || v == nil || !utf8.Valid(k) {
		return "", nil, false
	}
	value, ok = readValue(v, depth, maxDepth)
	return string(k), value, ok
}

// Value: one of null_value 1, number_value 2, string_value 3, bool_value 4, struct_value 5, list_value 6. A Value
// with none set is nil, as AsInterface has it.
func readValue(b []byte, depth, maxDepth int) (any, bool) {
	if len(b) == 0 {
		return nil, true
	}
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return nil, false
	}
	b = b[n:]
	var (
		v    any
		size int
		ok   = true
	)
	switch {
	case num == 1 && typ == protowire.VarintType:
		_, size = protowire.ConsumeVarint(b)
	case num == 2 && typ == protowire.Fixed64Type:
		var x uint64
		x, size = protowire.ConsumeFixed64(b)
		v = number(math.Float64frombits(x))
	case num == 3 && typ == protowire.BytesType:
		var s []byte
		s, size = protowire.ConsumeBytes(b)
		v, ok = string(s), utf8.Valid(s)
	case num == 4 && typ == protowire.VarintType:
		var x uint64
		x, size = protowire.ConsumeVarint(b)
		v = x != 0
	case num == 5 && typ == protowire.BytesType:
		var s []byte
		s, size = protowire.ConsumeBytes(b)
		v, ok = readStruct(s, depth+1, maxDepth)
	case num == 6 && typ == protowire.BytesType:
		var s []byte
		s, size = protowire.ConsumeBytes(b)
		v, ok = readList(s, depth+1, maxDepth)
	default:
		return nil, false
	}
	// Exactly one field: a second would be merged into or replace the first, which protobuf decides.
	if size < 0 || size != len(b) || !ok {
		return nil, false
	}
	return v, true
}

// number is a number_value as AsInterface gives it: the values JSON has no number for as the strings protobuf's
// JSON mapping writes for them.
func number(x float64) any {
	switch {
	case math.IsNaN(x):
		return "NaN"
	case math.IsInf(x, 1):
		return "Infinity"
	case math.IsInf(x, -1):
		return "-Infinity"
	}
	return x
}

// ListValue: repeated values of field 1. An empty list is an empty slice, not nil, as AsSlice has it.
func readList(b []byte, depth, maxDepth int) ([]any, bool) {
	if depth > maxDepth {
		return nil, false
	}
	n, ok := countRepeated(b)
	if !ok {
		return nil, false
	}
	out := make([]any, 0, n)
	for len(b) > 0 {
		item, size := consumeField1(b)
		b = b[size:]
		v, ok := readValue(item, depth, maxDepth)
		if !ok {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

// countRepeated counts the occurrences of field 1, length-delimited, that b consists of, so a map or slice is
// made once at its size. ok is false when b holds anything else.
func countRepeated(b []byte) (n int, ok bool) {
	for len(b) > 0 {
		_, size := consumeField1(b)
		if size < 0 {
			return 0, false
		}
		b = b[size:]
		n++
	}
	return n, true
}

// consumeField1 reads one length-delimited field 1 from b: its contents and the bytes it took, or -1.
func consumeField1(b []byte) (field []byte, size int) {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 || num != 1 || typ != protowire.BytesType {
		return nil, -1
	}
	field, m := protowire.ConsumeBytes(b[n:])
	if m < 0 {
		return nil, -1
	}
	return field, n + m
}

// documentKey holds, in a call's context, the body the codec read directly (a map[string]any).
type documentKey struct{}

func withDocument(ctx context.Context, doc map[string]any) context.Context {
	return context.WithValue(ctx, documentKey{}, doc)
}

// decodedDocument is the body the codec read for this call, if it read one.
func decodedDocument(ctx context.Context) (map[string]any, bool) {
	doc, ok := ctx.Value(documentKey{}).(map[string]any)
	return doc, ok
}
