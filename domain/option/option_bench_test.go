package option_test

import (
	"testing"

	"github.com/monhook/monhook/domain/option"
)

// fullOptions sets every option, each template and path in its richest valid form.
func fullOptions() map[string]any {
	return map[string]any{
		"source":           "alertmanager",
		"message_root":     "detail.message",
		"load_json":        []any{"message", "detail.body"},
		"confirm_url":      "SubscribeURL",
		"default_severity": "WARNING",
		"event_key_fields": []any{"labels.alertname", "labels.instance"},
		"severity_map":     map[string]any{"P1": "CRITICAL", "page": "ERROR", "low": "NONE"},
		"convert_data": map[string]any{
			"event_key":   "{{ fingerprint }}",
			"event_type":  "{{ status }}",
			"title":       "{{ labels.alertname }} on {{ labels.instance }}",
			"description": "{{ annotations.description }}",
			"severity":    "{{ labels.severity }}",
			"rule":        "{{ labels.alertname }}",
			"image_url":   "https://grafana/{{ id }}.png",
			"provider":    "prometheus",
			"account":     "{{ labels.account }}",
			"occurred_at": "{{ startsAt }}",
			"resource": map[string]any{
				"resource_id": "{{ labels.instance }}", "resource_type": "server", "name": "{{ labels.instance }}",
			},
			"additional_info": map[string]any{"url": "{{ generatorURL }}", "job": "{{ labels.job }}"},
		},
	}
}

func BenchmarkParse(b *testing.B) {
	for name, raw := range map[string]map[string]any{"empty": {}, "full": fullOptions()} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := option.Parse(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseInvalid(b *testing.B) {
	raw := map[string]any{"x": 1.0, "load_json": []any{"a..b"}, "convert_data": map[string]any{"title": "{% x %}"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := option.Parse(raw); err == nil {
			b.Fatal("no error")
		}
	}
}

func BenchmarkSchema(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = option.Schema()
	}
}

func BenchmarkOptionsDocument(b *testing.B) {
	opts, err := option.Parse(fullOptions())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = opts.Document()
	}
}
