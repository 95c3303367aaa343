import PostgresNIO

/// Creates and migrates the journal's tables, one version at a time, under an advisory lock so
/// that workers starting together do not race.
enum PostgresSchema {
    /// Each entry upgrades the schema by one version.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE queue_batch_batches (name TEXT PRIMARY KEY, endpoint_id TEXT NOT NULL, input_digest TEXT NOT NULL,
              line_count BIGINT NOT NULL, output_folder TEXT NOT NULL, download BOOLEAN NOT NULL, registered BOOLEAN NOT NULL DEFAULT false)
            """,
            """
            CREATE TABLE queue_batch_rows (batch TEXT NOT NULL, line BIGINT NOT NULL, input TEXT NOT NULL, state TEXT NOT NULL,
              request_id TEXT, attempts BIGINT NOT NULL DEFAULT 0, output TEXT, files TEXT, error TEXT,
              resubmitted BIGINT NOT NULL DEFAULT 0, owner TEXT, lease_until TIMESTAMPTZ, PRIMARY KEY (batch, line))
            """,
            "CREATE INDEX queue_batch_rows_state ON queue_batch_rows (batch, state, line)",
            """
            CREATE TABLE queue_batch_follows (batch TEXT NOT NULL, line BIGINT NOT NULL, request_id TEXT NOT NULL, worker TEXT NOT NULL,
              at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())
            """,
        ]
    ]

    static func migrate(_ client: PostgresClient) async throws {
        let logger = Logger(label: "queue-batch.postgres")
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(2323023)", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS queue_batch_schema (version BIGINT NOT NULL)", logger: logger)
            var version = 0
            for try await value in try await connection.query("SELECT max(version)::bigint FROM queue_batch_schema", logger: logger).decode(Int?.self) {
                version = value ?? 0
            }
            for (index, steps) in migrations.enumerated() where index + 1 > version {
                for step in steps { try await connection.query(PostgresQuery(unsafeSQL: step), logger: logger) }
                try await connection.query("INSERT INTO queue_batch_schema (version) VALUES (\(index + 1))", logger: logger)
            }
        }
    }
}
