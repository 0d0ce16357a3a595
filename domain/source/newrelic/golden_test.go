package newrelic_test

import (
	"flag"
	"testing"

	"github.com/monhook/monhook/domain/source/newrelic"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output (review the diff!)")

func TestGolden(t *testing.T) { sourcetest.Golden(t, newrelic.Source, *update) }

func TestAutoDetectsEveryExample(t *testing.T) { sourcetest.Detected(t, newrelic.Source) }
