package grpc

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/monhook/monhook/adapters/cloudforet"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/pipeline"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

// fuzzSeeds are every registered format's example bodies and a few option documents.
func fuzzSeeds(f *testing.F) [][]byte {
	f.Helper()
	var out [][]byte
	for _, x := range sourcetest.Fixtures(f) {
		out = append(out, x.Body)
	}
	deep := strings.Repeat(`{"x": `, 40) + `{}` + strings.Repeat(`}`, 40)
	for _, s := range []string{`{}`, `{"a": []}`, `{"a": [[[]]]}`, `{"a": [{"b": [{}]}]}`, `{"a": null, "b": 1e308}`,
		`{"convert_data": {"additional_info": {"x": "{{ a }}"}}}`, deep} {
		out = append(out, []byte(s))
	}
	return out
}

// depthOf is the nesting the limits count, computed on the plain document: an object or a list is one level more
// than the deepest value in it.
func depthOf(v any) int {
	var children []any
	switch n := v.(type) {
	case map[string]any:
		for _, c := range n {
			children = append(children, c)
		}
	case []any:
		children = n
	default:
		return 0
	}
	deepest := 0
	for _, c := range children {
		deepest = max(deepest, depthOf(c))
	}
	return 1 + deepest
}

// FuzzAsMap builds a Struct from a random JSON object and converts it under random limits: asMap refuses exactly
// the documents deeper or bigger than the limits, with one violation naming the field, and converts the rest
// to the very document the Struct was built from.
func FuzzAsMap(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b, uint8(32), uint32(1<<20))
		f.Add(b, uint8(3), uint32(64))
	}
	f.Fuzz(func(t *testing.T, b []byte, maxDepth uint8, maxSize uint32) {
		var doc map[string]any
		if json.Unmarshal(b, &doc) != nil || doc == nil {
			return
		}
		s, err := structpb.NewStruct(doc)
		if err != nil {
			return // not representable as a Struct, so it cannot arrive on the wire
		}
		l := Limits{MaxDepth: int(maxDepth%48) + 1, MaxSize: int(maxSize % (4 << 20))}
		got, err := asMap("data", s, l)
		tooDeep, tooBig := depthOf(doc) > l.MaxDepth, proto.Size(s) > l.MaxSize
		if err != nil {
			var oe *option.Error
			if !errors.As(err, &oe) || len(oe.Violations) != 1 || oe.Violations[0].Key != "data" || oe.Violations[0].Kind != option.Invalid {
				t.Fatalf("asMap(%s, %+v) = %v, want one Invalid violation of data", b, l, err)
			}
			if !tooDeep && !tooBig {
				t.Fatalf("asMap(%s, %+v) refused a document of depth %d and %d bytes: %v", b, l, depthOf(doc), proto.Size(s), err)
			}
			return
		}
		if tooDeep || tooBig {
			t.Fatalf("asMap(%s, %+v) accepted a document of depth %d and %d bytes", b, l, depthOf(doc), proto.Size(s))
		}
		if !reflect.DeepEqual(got, doc) {
			t.Fatalf("asMap(%s) = %v, want the document back", b, got)
		}
	})
}

// FuzzAsMapWire decodes random bytes as the Struct a request carries, which may hold what no JSON gives (a
// Value without a kind, NaN, invalid UTF-8): asMap must not panic, and what it accepts is within the limits.
func FuzzAsMapWire(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		var doc map[string]any
		if json.Unmarshal(b, &doc) != nil {
			continue
		}
		s, err := structpb.NewStruct(doc)
		if err != nil {
			continue
		}
		wire, err := proto.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(wire)
	}
	f.Add([]byte{0x0a, 0x05, 0x0a, 0x01, 'a', 0x12, 0x00}) // {"a": Value{}}: a value without a kind
	l := Limits{MaxDepth: 8, MaxSize: 1 << 16}
	f.Fuzz(func(t *testing.T, wire []byte) {
		var s structpb.Struct
		if proto.Unmarshal(wire, &s) != nil {
			return // grpc refuses the message before the handler runs
		}
		got, err := asMap("data", &s, l)
		if err != nil {
			return
		}
		if d := depthOf(got); d > l.MaxDepth {
			t.Fatalf("asMap accepted a document of depth %d over a limit of %d", d, l.MaxDepth)
		}
	})
}

// FuzzParseWire runs what Event.parse does with a request's data, from the wire to the answer's bytes, minus the
// network: random bytes decoded as a Struct (NaN, infinities and values without a kind included), converted under
// the default limits, normalized with detection, and encoded as either protocol's EventsInfo. Encoding must never fail: a field
// that protobuf refuses (a string that is not UTF-8) would turn a valid event into an INTERNAL error.
func FuzzParseWire(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		var doc map[string]any
		if json.Unmarshal(b, &doc) != nil {
			continue
		}
		if s, err := structpb.NewStruct(doc); err == nil {
			wire, err := proto.Marshal(s)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(wire)
		}
	}
	odd := &structpb.Struct{Fields: map[string]*structpb.Value{
		"event_key":       structpb.NewStringValue("k"),
		"title":           structpb.NewNumberValue(math.NaN()),
		"occurred_at":     structpb.NewNumberValue(math.Inf(1)),
		"severity":        {},
		"additional_info": structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{"x": structpb.NewNumberValue(math.Inf(-1)), "y": {}}}),
	}}
	wire, err := proto.Marshal(odd)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(wire)
	l := Limits{MaxDepth: 32, MaxSize: 32 << 20}
	received := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, wire []byte) {
		var s structpb.Struct
		if proto.Unmarshal(wire, &s) != nil {
			return // grpc refuses the message before the handler runs
		}
		data, err := asMap("data", &s, l)
		if err != nil {
			return
		}
		res, err := pipeline.Normalize(context.Background(), option.Defaults(), data, received, sourcekit.DefaultBudget)
		if err != nil {
			return
		}
		if _, err := proto.Marshal(cloudforet.EventsInfo(res.Events)); err != nil {
			t.Fatalf("the answer to %v cannot be encoded: %v", data, err)
		}
		if _, err := proto.Marshal(cloudforet.AlertManagerEventsInfo(res.Events)); err != nil {
			t.Fatalf("the Alert Manager's answer to %v cannot be encoded: %v", data, err)
		}
	})
}
