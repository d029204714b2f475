module github.com/owedhq/owed

go 1.26.8
