package source_test

import (
	"testing"

	"github.com/monhook/monhook/domain/source"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

// TestEverySourceTakesOddValues sweeps every bundled body of every source, so a source added without its own
// sweep is still held to it.
func TestEverySourceTakesOddValues(t *testing.T) {
	for _, s := range source.All() {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			sourcetest.Sweep(t, s)
		})
	}
}
