package cloudforet

import (
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

// TestStructIsStructpbs holds Struct to structpb.NewStruct, the reference it replaces: the same message for the
// options schema and for every bundled body, and an error where it gives one.
func TestStructIsStructpbs(t *testing.T) {
	docs := []map[string]any{option.Schema(), {}, {"n": nil, "b": false, "i": 7, "x": []any{nil, 1.5, "s", []any{}, map[string]any{}}}}
	for _, f := range sourcetest.Fixtures(t) {
		docs = append(docs, f.Data(t))
	}
	for i, doc := range docs {
		want, err := structpb.NewStruct(doc)
		if err != nil {
			t.Fatalf("doc %d: structpb: %v", i, err)
		}
		got, err := Struct(doc)
		if err != nil {
			t.Fatalf("doc %d: %v", i, err)
		}
		if !proto.Equal(got, want) {
			b, _ := json.Marshal(doc)
			t.Errorf("doc %d differs from structpb's: %s", i, b)
		}
	}
	for _, bad := range []map[string]any{{"k": struct{}{}}, {"k": "\xff"}, {"\xff": "v"}, {"k": []any{map[string]any{"x": struct{}{}}}}} {
		if _, err := structpb.NewStruct(bad); err == nil {
			t.Fatalf("structpb takes %v", bad)
		}
		if _, err := Struct(bad); err == nil {
			t.Errorf("Struct takes %v, which structpb refuses", bad)
		}
	}
}
