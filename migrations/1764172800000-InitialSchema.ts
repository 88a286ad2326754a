import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ticket core (SPEC §2): areas, categories, users, citizens and their identities, tickets,
 * messages, attachments, events and the folio counter. Spanish accent-insensitive full text via
 * `unaccent` + generated tsvector columns.
 */
export class InitialSchema1764172800000 implements MigrationInterface {
  name = 'InitialSchema1764172800000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS unaccent`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    // unaccent() is only STABLE; this wrapper pins the dictionary so it can be used in
    // generated columns and indexes.
    await q.query(`
      CREATE OR REPLACE FUNCTION f_unaccent(text) RETURNS text
      LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
      AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$`);

    await q.query(`
      CREATE TABLE areas (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code varchar(60) NOT NULL UNIQUE,
        name varchar(160) NOT NULL,
        supervisor_email varchar(254),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE categories (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code varchar(60) NOT NULL UNIQUE,
        name varchar(160) NOT NULL,
        area_id uuid REFERENCES areas(id),
        accept_days int NOT NULL DEFAULT 1 CHECK (accept_days > 0),
        first_response_days int NOT NULL DEFAULT 5 CHECK (first_response_days > 0),
        resolution_days int NOT NULL DEFAULT 40 CHECK (resolution_days > 0),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email varchar(254) NOT NULL UNIQUE,
        name varchar(160) NOT NULL,
        role varchar(20) NOT NULL CHECK (role IN ('admin','supervisor','agent','press')),
        password_hash varchar(255) NOT NULL,
        active boolean NOT NULL DEFAULT true,
        area_id uuid REFERENCES areas(id),
        failed_logins int NOT NULL DEFAULT 0,
        locked_until timestamptz,
        last_login_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE citizens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(200),
        merged_into_id uuid REFERENCES citizens(id),
        anonymised_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE citizen_identities (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        citizen_id uuid NOT NULL REFERENCES citizens(id) ON DELETE CASCADE,
        kind varchar(20) NOT NULL,
        value varchar(320) NOT NULL,
        handle varchar(200),
        display_name varchar(200),
        undeliverable boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_citizen_identities_kind_value UNIQUE (kind, value)
      )`);
    await q.query(`CREATE INDEX ix_citizen_identities_citizen ON citizen_identities (citizen_id)`);

    await q.query(`
      CREATE TABLE folio_counters (
        prefix varchar(6) NOT NULL,
        year int NOT NULL,
        last_value int NOT NULL,
        PRIMARY KEY (prefix, year)
      )`);

    await q.query(`
      CREATE TABLE tickets (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        folio varchar(32) NOT NULL UNIQUE,
        subject varchar(300) NOT NULL,
        description text NOT NULL DEFAULT '',
        status varchar(20) NOT NULL DEFAULT 'new'
          CHECK (status IN ('new','assigned','in_progress','waiting_citizen','resolved','closed','rejected')),
        priority varchar(10) NOT NULL DEFAULT 'normal' CHECK (priority IN ('low','normal','high','urgent')),
        channel varchar(20) NOT NULL,
        category_id uuid REFERENCES categories(id),
        area_id uuid REFERENCES areas(id),
        assignee_id uuid REFERENCES users(id),
        citizen_id uuid REFERENCES citizens(id),
        address varchar(500),
        colonia varchar(160),
        latitude double precision CHECK (latitude BETWEEN -90 AND 90),
        longitude double precision CHECK (longitude BETWEEN -180 AND 180),
        pole_id varchar(40),
        tags text[] NOT NULL DEFAULT '{}',
        first_response_due_at timestamptz,
        resolution_due_at timestamptz,
        first_responded_at timestamptz,
        resolved_at timestamptz,
        closed_at timestamptz,
        status_changed_at timestamptz NOT NULL DEFAULT now(),
        reopened_count int NOT NULL DEFAULT 0,
        rejection_reason varchar(500),
        merged_into_id bigint REFERENCES tickets(id),
        linked_ticket_id bigint REFERENCES tickets(id),
        forwarded_by_id uuid REFERENCES users(id),
        created_by_id uuid REFERENCES users(id),
        public_token varchar(64) NOT NULL,
        version int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        search_vector tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('spanish', f_unaccent(coalesce(folio, '') || ' ' || coalesce(subject, ''))), 'A') ||
          setweight(to_tsvector('spanish', f_unaccent(coalesce(description, '') || ' ' || coalesce(colonia, '') || ' ' || coalesce(address, ''))), 'B')
        ) STORED
      )`);
    // The default queue (open tickets of an area, newest first) and the common filters.
    await q.query(`CREATE INDEX ix_tickets_created ON tickets (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_tickets_status_created ON tickets (status, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_tickets_area_status_created ON tickets (area_id, status, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_tickets_category_created ON tickets (category_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_tickets_assignee_status ON tickets (assignee_id, status) WHERE assignee_id IS NOT NULL`);
    await q.query(`CREATE INDEX ix_tickets_citizen ON tickets (citizen_id)`);
    await q.query(`CREATE INDEX ix_tickets_channel_created ON tickets (channel, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX ix_tickets_resolution_due_open ON tickets (resolution_due_at)
      WHERE status IN ('new','assigned','in_progress','waiting_citizen')`);
    await q.query(`CREATE INDEX ix_tickets_search ON tickets USING gin (search_vector)`);

    await q.query(`
      CREATE TABLE messages (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        ticket_id bigint NOT NULL REFERENCES tickets(id),
        direction varchar(10) NOT NULL CHECK (direction IN ('inbound','outbound','note')),
        channel varchar(20) NOT NULL,
        author_user_id uuid REFERENCES users(id),
        author_citizen_id uuid REFERENCES citizens(id),
        author_name varchar(200),
        subject varchar(500),
        body_text text NOT NULL DEFAULT '',
        body_html text,
        body_new text,
        external_id varchar(998),
        public boolean NOT NULL DEFAULT true,
        delivery_state varchar(10) CHECK (delivery_state IN ('queued','sent','failed')),
        delivery_attempts int NOT NULL DEFAULT 0,
        delivery_error text,
        meta jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        search_vector tsvector GENERATED ALWAYS AS (
          to_tsvector('spanish', f_unaccent(left(coalesce(body_new, body_text, ''), 100000)))
        ) STORED,
        CONSTRAINT ck_messages_note_private CHECK (direction <> 'note' OR public = false)
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_messages_channel_external_id ON messages (channel, external_id) WHERE external_id IS NOT NULL`);
    await q.query(`CREATE INDEX ix_messages_ticket ON messages (ticket_id, created_at, id)`);
    await q.query(`CREATE INDEX ix_messages_search ON messages USING gin (search_vector)`);

    await q.query(`
      CREATE TABLE attachments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        message_id bigint NOT NULL REFERENCES messages(id),
        filename varchar(255) NOT NULL,
        content_type varchar(127) NOT NULL,
        size_bytes bigint NOT NULL,
        sha256 varchar(64),
        content bytea,
        omitted boolean NOT NULL DEFAULT false,
        omitted_reason varchar(200),
        inline boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ix_attachments_message ON attachments (message_id)`);

    await q.query(`
      CREATE TABLE ticket_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        ticket_id bigint NOT NULL REFERENCES tickets(id),
        type varchar(40) NOT NULL,
        actor_user_id uuid REFERENCES users(id),
        actor_kind varchar(10) NOT NULL DEFAULT 'user',
        from_status varchar(20),
        to_status varchar(20),
        reason varchar(1000),
        data jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ix_ticket_events_ticket ON ticket_events (ticket_id, created_at, id)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const t of ['ticket_events', 'attachments', 'messages', 'tickets', 'folio_counters', 'citizen_identities', 'citizens', 'users', 'categories', 'areas']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
    await q.query(`DROP FUNCTION IF EXISTS f_unaccent(text)`);
  }
}
