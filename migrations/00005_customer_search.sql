-- Customer lookups by similar spelling: a trigram signature of 256 bytes
-- (the default is 12) keeps the GiST index selective when many names share
-- most of their trigrams ("Customer 000123", "Customer 000124", …), so the
-- nearest spellings are found without visiting most of the index.

-- +goose Up
DROP INDEX customers_search_name_trgm;
CREATE INDEX customers_search_name_trgm ON customers USING gist (search_name gist_trgm_ops(siglen=256));

-- +goose Down
DROP INDEX customers_search_name_trgm;
CREATE INDEX customers_search_name_trgm ON customers USING gist (search_name gist_trgm_ops);
