package pingdom_test

import (
	"flag"
	"testing"

	"github.com/monhook/monhook/domain/source/pingdom"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output (review the diff!)")

func TestGolden(t *testing.T) { sourcetest.Golden(t, pingdom.Source, *update) }

func TestAutoDetectsEveryExample(t *testing.T) { sourcetest.Detected(t, pingdom.Source) }
