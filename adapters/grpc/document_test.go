package grpc

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/monhook/monhook/domain/source/sourcetest"
	pluginpb "github.com/monhook/monhook/proto/spaceone/api/monitoring/plugin"
)

// structBytes is the protobuf encoding of doc as a Struct, as any client writes it.
func structBytes(t testing.TB, doc map[string]any) []byte {
	t.Helper()
	s, err := structpb.NewStruct(doc)
	if err != nil {
		t.Fatal(err)
	}
	b, err := proto.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// entry is one Struct field on the wire: a map entry of key and an encoded Value.
func entry(key string, value []byte) []byte {
	e := protowire.AppendTag(nil, 1, protowire.BytesType)
	e = protowire.AppendString(e, key)
	e = protowire.AppendTag(e, 2, protowire.BytesType)
	e = protowire.AppendBytes(e, value)
	b := protowire.AppendTag(nil, 1, protowire.BytesType)
	return protowire.AppendBytes(b, e)
}

func stringValue(s string) []byte {
	return protowire.AppendString(protowire.AppendTag(nil, 3, protowire.BytesType), s)
}

func structValue(fields []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, 5, protowire.BytesType), fields)
}

// oddEncodings are Structs protobuf reads, and the direct reading leaves to it: a key twice, a Value with two
// kinds, a struct_value given twice (merged), an unknown field, a map entry without its value, and bytes that are
// no Struct at all.
func oddEncodings() map[string][]byte {
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	noValue := protowire.AppendTag(nil, 1, protowire.BytesType)
	noValue = protowire.AppendBytes(noValue, protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "k"))
	return map[string][]byte{
		"duplicate key":   cat(entry("k", stringValue("a")), entry("k", stringValue("b"))),
		"two kinds":       entry("k", cat(stringValue("a"), structValue(nil))),
		"merged structs":  entry("k", cat(structValue(entry("a", stringValue("1"))), structValue(entry("b", stringValue("2"))))),
		"unknown field":   cat(entry("k", stringValue("a")), protowire.AppendVarint(protowire.AppendTag(nil, 9, protowire.VarintType), 1)),
		"entry, no value": noValue,
		"invalid UTF-8":   entry("k", stringValue("\xff")),
		"truncated":       entry("k", stringValue("abc"))[:5],
	}
}

// TestDecodeDocumentReadsEveryBody: every bundled body, encoded as a client encodes it, is read directly, into
// the very document protobuf's decoding and AsMap give.
func TestDecodeDocumentReadsEveryBody(t *testing.T) {
	for _, f := range sourcetest.Fixtures(t) {
		b := structBytes(t, f.Data(t))
		got, ok := decodeDocument(b, 32)
		if !ok {
			t.Errorf("%s: not read directly", f.Name())
			continue
		}
		var s structpb.Struct
		if err := proto.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, s.AsMap()) {
			t.Errorf("%s: read %v, protobuf reads %v", f.Name(), got, s.AsMap())
		}
	}
}

// TestDecodeDocumentLeavesOddEncodingsToProtobuf: what protobuf merges, replaces, keeps as unknown or refuses is
// not read directly.
func TestDecodeDocumentLeavesOddEncodingsToProtobuf(t *testing.T) {
	for name, b := range oddEncodings() {
		if doc, ok := decodeDocument(b, 32); ok {
			t.Errorf("%s: read directly as %v", name, doc)
		}
	}
}

// TestDecodeDocumentDepth: a body is read directly up to the depth limit and left to protobuf (and then to
// asMap's refusal) one level past it, the levels counted as asMap counts them.
func TestDecodeDocumentDepth(t *testing.T) {
	doc := map[string]any{"a": []any{map[string]any{"b": map[string]any{}}}} // levels: doc 1, list 2, item 3, b 4
	b := structBytes(t, doc)
	if _, ok := decodeDocument(b, 4); !ok {
		t.Error("a 4-level body is not read at depth limit 4")
	}
	if _, ok := decodeDocument(b, 3); ok {
		t.Error("a 4-level body is read at depth limit 3")
	}
	s, _ := structpb.NewStruct(doc)
	if _, err := asMap("data", s, Limits{MaxDepth: 3, MaxSize: 1 << 20}); err == nil {
		t.Error("asMap takes the 4-level body at depth limit 3, so the levels are not counted alike")
	}
}

// FuzzDecodeDocument holds the direct reading to protobuf's on any bytes: whatever it reads, protobuf decodes
// without error into the same document, within the depth limit.
func FuzzDecodeDocument(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		var doc map[string]any
		if json.Unmarshal(b, &doc) == nil && doc != nil {
			f.Add(structBytes(f, doc), uint8(32))
		}
	}
	for _, b := range oddEncodings() {
		f.Add(b, uint8(32))
	}
	f.Fuzz(func(t *testing.T, b []byte, depth uint8) {
		maxDepth := int(depth%48) + 1
		got, ok := decodeDocument(b, maxDepth)
		if !ok {
			return
		}
		var s structpb.Struct
		if err := proto.Unmarshal(b, &s); err != nil {
			t.Fatalf("read directly as %v, but protobuf refuses it: %v", got, err)
		}
		want := s.AsMap()
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("read directly as %v, protobuf reads %v", got, want)
		}
		if d := depthOf(want); d > maxDepth {
			t.Fatalf("read directly at depth limit %d, but it is %d levels deep", maxDepth, d)
		}
	})
}

// TestCodecReadsTheBodyDirectly: the codec decodes a plainly encoded parse request into its options, with the
// body kept for the handler, and leaves any other to protobuf, which fills data as it always did.
func TestCodecReadsTheBodyDirectly(t *testing.T) {
	p := Protocol{Services: monitoring(nil, nil).Services}
	requests, err := p.requests()
	if err != nil {
		t.Fatal(err)
	}
	parse := (&pluginpb.ParseRequest{}).ProtoReflect().Descriptor()
	if requests[parse.FullName()] != 2 {
		t.Fatalf("ParseRequest's body field is %d, want data = 2", requests[parse.FullName()])
	}
	c := newCodec(newAdmission(1<<30, 0), 32, Limits{MaxDepth: 32, MaxSize: 1 << 20}, requests)
	decode := func(t *testing.T, c *codec, wire []byte) (*pluginpb.ParseRequest, *admitted) {
		t.Helper()
		req := &pluginpb.ParseRequest{}
		if err := c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(wire)}, req); err != nil {
			t.Fatal(err)
		}
		a, err := c.settle(req)
		if err != nil {
			t.Fatal(err)
		}
		a.release()
		return req, a
	}
	opts := map[string]any{"source": "alertmanager"}
	body := sourcetest.Get(t, "alertmanager/zulip-resolved-single-alert.json").Data(t)

	t.Run("plain", func(t *testing.T) {
		// options after data, and a field this version does not know, as a newer Cloudforet might send.
		wire := protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), structBytes(t, body))
		wire = protowire.AppendBytes(protowire.AppendTag(wire, 1, protowire.BytesType), structBytes(t, opts))
		wire = protowire.AppendString(protowire.AppendTag(wire, 21, protowire.BytesType), "domain-1")
		req, a := decode(t, c, wire)
		if a.doc == nil || req.GetData() != nil {
			t.Fatalf("body not read directly: doc %v, data %v", a.doc, req.GetData())
		}
		if !reflect.DeepEqual(a.doc, body) || !reflect.DeepEqual(req.GetOptions().AsMap(), opts) {
			t.Errorf("read options %v and body %v", req.GetOptions().AsMap(), a.doc)
		}
		if len(req.ProtoReflect().GetUnknown()) == 0 {
			t.Error("the unknown field after the body was dropped")
		}
	})
	for name, odd := range oddEncodings() {
		t.Run(name, func(t *testing.T) {
			wire := protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), odd)
			if a := sameAsProtobuf(t, c, wire); a != nil && a.doc != nil {
				t.Errorf("read directly as %v", a.doc)
			}
		})
	}
	t.Run("data twice", func(t *testing.T) {
		one := protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), entry("a", stringValue("1")))
		two := protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), entry("b", stringValue("2")))
		req, a := decode(t, c, append(one, two...))
		if a.doc != nil || !reflect.DeepEqual(req.GetData().AsMap(), map[string]any{"a": "1", "b": "2"}) {
			t.Errorf("data given twice: doc %v, data %v; protobuf merges them", a.doc, req.GetData().AsMap())
		}
	})
	t.Run("over the size limit", func(t *testing.T) {
		small := newCodec(newAdmission(1<<30, 0), 32, Limits{MaxDepth: 32, MaxSize: 8}, requests)
		wire := protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), structBytes(t, body))
		req, a := decode(t, small, wire)
		if a.doc != nil || req.GetData() == nil {
			t.Error("a body over the size limit was read directly; asMap must refuse it with its message")
		}
	})
}

// TestDecodeDocumentNumbers: the numbers JSON cannot spell are read as the strings AsMap gives for them, as a
// sender's NaN would otherwise reach the sources as a number no JSON body can hold.
func TestDecodeDocumentNumbers(t *testing.T) {
	for _, x := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 1e308} {
		v := protowire.AppendFixed64(protowire.AppendTag(nil, 2, protowire.Fixed64Type), math.Float64bits(x))
		b := entry("n", v)
		got, ok := decodeDocument(b, 32)
		var s structpb.Struct
		if err := proto.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		if !ok || !reflect.DeepEqual(got, s.AsMap()) {
			t.Errorf("%v: read %v (%v), protobuf and AsMap give %v", x, got, ok, s.AsMap())
		}
	}
}

// FuzzCodecRequest holds the codec to protobuf on random parse requests: it refuses what protobuf refuses, and
// what it reads (the body directly or not) is the request protobuf decodes, field by field.
func FuzzCodecRequest(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		var doc map[string]any
		if json.Unmarshal(b, &doc) == nil && doc != nil {
			s, err := structpb.NewStruct(doc)
			if err != nil {
				continue
			}
			wire, err := proto.Marshal(&pluginpb.ParseRequest{Options: &structpb.Struct{}, Data: s})
			if err != nil {
				f.Fatal(err)
			}
			f.Add(wire)
		}
	}
	for _, b := range oddEncodings() {
		f.Add(protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), b))
	}
	requests, err := Protocol{Services: monitoring(nil, nil).Services}.requests()
	if err != nil {
		f.Fatal(err)
	}
	c := newCodec(newAdmission(1<<30, 0), 8, Limits{MaxDepth: 8, MaxSize: 1 << 16}, requests)
	f.Fuzz(func(t *testing.T, wire []byte) { sameAsProtobuf(t, c, wire) })
}

// sameAsProtobuf decodes wire with c as a ParseRequest and checks it against protobuf's own decoding: refused
// alike, and what the codec reads (the body directly or not) is the request protobuf decodes, field by field. It
// returns what the codec kept, nil when both refused.
func sameAsProtobuf(t *testing.T, c *codec, wire []byte) *admitted {
	t.Helper()
	var want pluginpb.ParseRequest
	wantErr := proto.UnmarshalOptions{RecursionLimit: c.decode.RecursionLimit}.Unmarshal(wire, &want)
	req := &pluginpb.ParseRequest{}
	if err := c.Unmarshal(mem.BufferSlice{mem.SliceBuffer(wire)}, req); err != nil {
		t.Fatal(err)
	}
	a, err := c.settle(req)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("codec: %v; protobuf: %v", err, wantErr)
	}
	if err != nil {
		return nil
	}
	a.release()
	if a.doc == nil {
		if !proto.Equal(req, &want) {
			t.Fatalf("decoded %v, protobuf decodes %v", req, &want)
		}
		return a
	}
	if want.Data == nil || !reflect.DeepEqual(a.doc, want.GetData().AsMap()) {
		t.Fatalf("read the body as %v, protobuf reads %v", a.doc, want.GetData().AsMap())
	}
	want.Data = nil
	if !proto.Equal(req, &want) {
		t.Fatalf("decoded the rest as %v, protobuf decodes %v", req, &want)
	}
	return a
}
