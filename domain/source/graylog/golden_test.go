package graylog_test

import (
	"flag"
	"testing"

	"github.com/monhook/monhook/domain/source/graylog"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output (review the diff!)")

func TestGolden(t *testing.T) { sourcetest.Golden(t, graylog.Source, *update) }

func TestAutoDetectsEveryExample(t *testing.T) { sourcetest.Detected(t, graylog.Source) }
