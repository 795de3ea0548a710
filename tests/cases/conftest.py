"""The case store tests use the SQL fixtures of tests/conftest.py (`db_url`, `db`,
`records`): a SQLite file, or (DATABASE_URL_TEST, as in CI) a PostgreSQL database created
for the test and dropped after it."""
