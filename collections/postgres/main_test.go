package postgres_test

import (
	"os"
	"testing"

	"github.com/owedhq/owed/internal/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
