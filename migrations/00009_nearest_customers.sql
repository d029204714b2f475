-- The customers nearest in spelling to a lookup, nearest first: the two
-- nearest when the nearest is ahead of the next by clear_lead or more (a
-- misspelt name then means the nearest, and looking further is what costs
-- most: the names may share most of their trigrams), else the 25 nearest
-- to choose from. Only names similar enough (pg_trgm's % operator) count.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION nearest_customers(query text, clear_lead float8)
RETURNS TABLE (customer_id bigint, similarity float8) LANGUAGE plpgsql STABLE ROWS 25 AS $$
DECLARE
    nearest NO SCROLL CURSOR FOR
        SELECT c.id, similarity(c.search_name, query)::float8
          FROM customers c
         WHERE c.search_name % query
         ORDER BY c.search_name <-> query
         LIMIT 25;
    first float8;
    n int := 0;
BEGIN
    OPEN nearest;
    LOOP
        -- One row at a time: the index scan stops where the rows do.
        FETCH nearest INTO customer_id, similarity;
        EXIT WHEN NOT FOUND;
        RETURN NEXT;
        n := n + 1;
        IF n = 1 THEN
            first := similarity;
        ELSIF n = 2 AND first - similarity >= clear_lead THEN
            EXIT;
        END IF;
    END LOOP;
    CLOSE nearest;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION nearest_customers(text, float8);
