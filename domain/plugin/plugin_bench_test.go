package plugin_test

import (
	"testing"

	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/plugin"
)

// BenchmarkDescribe is the domain side of Webhook.init with {} options: describe, then render the document.
func BenchmarkDescribe(b *testing.B) {
	opts, err := option.Parse(map[string]any{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = plugin.Describe(plugin.Build{Version: "v1"}, opts).Document()
	}
}
