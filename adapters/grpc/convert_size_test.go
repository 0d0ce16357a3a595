package grpc

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// TestMeasureIsProtoSize: asMap counts a document's encoded size itself, for speed; it must be proto.Size's
// number, odd shapes from the wire included.
func TestMeasureIsProtoSize(t *testing.T) {
	withUnknown := &structpb.Struct{Fields: map[string]*structpb.Value{"a": structpb.NewBoolValue(true)}}
	withUnknown.ProtoReflect().SetUnknown([]byte{0x78, 0x01}) // field 15, varint 1
	odd := &structpb.Struct{Fields: map[string]*structpb.Value{
		"no kind":     {},
		"nil value":   nil,
		"nil struct":  {Kind: &structpb.Value_StructValue{}},
		"nil list":    {Kind: &structpb.Value_ListValue{}},
		"bad null":    {Kind: &structpb.Value_NullValue{NullValue: -1}},
		"nil in list": {Kind: &structpb.Value_ListValue{ListValue: &structpb.ListValue{Values: []*structpb.Value{nil, {}}}}},
		"":            structpb.NewStringValue(""),
	}}
	long := strings.Repeat("k", 200) // a key whose length takes a 2-byte varint
	big, err := structpb.NewStruct(map[string]any{
		"s": strings.Repeat("x", 300), "n": 1.5, "b": false, "z": nil, long: map[string]any{},
		"deep": map[string]any{"l": []any{1.0, "two", map[string]any{"k": []any{}}, []any{nil}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*structpb.Struct{"empty": {}, "unknown fields": withUnknown, "odd": odd, "big": big} {
		if got, want := func() int { n, _ := measureStruct(s, 1); return n }(), proto.Size(s); got != want {
			t.Errorf("%s: measured %d bytes, proto.Size %d", name, got, want)
		}
	}
}
