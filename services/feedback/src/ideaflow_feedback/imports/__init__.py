"""File imports: `/v1/imports`, CSV or NDJSON files upserted as feedback by a background job."""
