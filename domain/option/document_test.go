package option_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/monhook/monhook/domain/option"
)

// TestDocumentIsTheJSONForm: Document, built directly for speed, is what encoding/json writes and reads back.
func TestDocumentIsTheJSONForm(t *testing.T) {
	for name, raw := range map[string]map[string]any{
		"defaults": {},
		"full":     fullOptions(),
		"empty additional_info": {"convert_data": map[string]any{
			"additional_info": map[string]any{}, "resource": map[string]any{},
		}},
		"empty lists": {"load_json": []any{}, "severity_map": map[string]any{}},
	} {
		t.Run(name, func(t *testing.T) {
			opts, err := option.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(opts)
			if err != nil {
				t.Fatal(err)
			}
			var want map[string]any
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			if got := opts.Document(); !reflect.DeepEqual(got, want) {
				t.Errorf("Document() = %#v\nwant %#v", got, want)
			}
		})
	}
}
