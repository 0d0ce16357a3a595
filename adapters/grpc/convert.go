package grpc

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/monhook/monhook/domain/option"
)

// Limits bound a request document before it is converted and handed to a use case.
type Limits struct {
	MaxDepth int // nesting levels, the document itself being level 1
	MaxSize  int // bytes, protobuf-encoded
}

// asMap turns the request field named key into the plain map a use case takes. A nil Struct stays nil, which
// the use case reads as "absent", not as "{}". A document over the limits is refused before it is walked.
func asMap(key string, s *structpb.Struct, l Limits) (map[string]any, error) {
	if s == nil {
		return nil, nil
	}
	n, depth := measureStruct(s, 1)
	if n > l.MaxSize {
		return nil, invalid(key, fmt.Sprintf("is %d bytes encoded; at most %d are allowed", n, l.MaxSize))
	}
	if depth > l.MaxDepth {
		return nil, invalid(key, fmt.Sprintf("nests deeper than %d levels", l.MaxDepth))
	}
	return s.AsMap(), nil
}

func invalid(key, reason string) error {
	return &option.Error{Violations: []option.Violation{{Kind: option.Invalid, Key: key, Reason: reason}}}
}

// measureStruct walks s, at level depth, once and returns its encoded size, exactly as proto.Size counts it, and
// the deepest level it reaches. proto.Size takes protobuf-go's reflective path for a Struct's map and cost more
// than the conversion itself; the wire format of Struct, Value and ListValue is fixed, so it is counted here.
func measureStruct(s *structpb.Struct, depth int) (size, deepest int) {
	if s == nil {
		return 0, depth
	}
	deepest = depth
	for k, v := range s.GetFields() {
		vs, vd := measureValue(v, depth)
		entry := 1 + protowire.SizeBytes(len(k)) + 1 + protowire.SizeBytes(vs) // key = 1, value = 2: tags of 1 byte
		size += 1 + protowire.SizeBytes(entry)
		deepest = max(deepest, vd)
	}
	return size + len(s.ProtoReflect().GetUnknown()), deepest
}

// measureValue is measureStruct for a Value at level depth: a struct or list in it is one level deeper.
func measureValue(v *structpb.Value, depth int) (size, deepest int) {
	if v == nil {
		return 0, depth
	}
	deepest = depth
	switch k := v.GetKind().(type) { // every field number is below 16: each tag is 1 byte
	case *structpb.Value_NullValue:
		size = 1 + protowire.SizeVarint(nullValueWire(k.NullValue))
	case *structpb.Value_NumberValue:
		size = 1 + 8
	case *structpb.Value_StringValue:
		size = 1 + protowire.SizeBytes(len(k.StringValue))
	case *structpb.Value_BoolValue:
		size = 1 + 1
	case *structpb.Value_StructValue:
		n, d := measureStruct(k.StructValue, depth+1)
		size, deepest = 1+protowire.SizeBytes(n), d
	case *structpb.Value_ListValue:
		n, d := measureList(k.ListValue, depth+1)
		size, deepest = 1+protowire.SizeBytes(n), d
	}
	return size + len(v.ProtoReflect().GetUnknown()), deepest
}

func measureList(l *structpb.ListValue, depth int) (size, deepest int) {
	if l == nil {
		return 0, depth
	}
	deepest = depth
	for _, item := range l.GetValues() {
		n, d := measureValue(item, depth)
		size += 1 + protowire.SizeBytes(n)
		deepest = max(deepest, d)
	}
	return size + len(l.ProtoReflect().GetUnknown()), deepest
}

// nullValueWire is NullValue as protobuf writes an enum: its int32 sign-extended to 64 bits, so a negative value
// (which a hostile sender can put on the wire) takes the 10 bytes it takes there.
func nullValueWire(n structpb.NullValue) uint64 {
	return uint64(int64(n)) //nolint:gosec // the sign extension is the wire format, not an overflow
}
