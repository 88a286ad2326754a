import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { PersonalIdentifiers, Redactor } from './redact-identifiers';

/** One citizen as seen by the ARCO actions, resolved once before any handler runs. */
export interface PersonalDataSubject {
  /** the citizen asked for (never a record merged into another) */
  citizenId: string;
  /** it and every record merged into it */
  citizenIds: string[];
  /** internal ids of the tickets of those records */
  ticketIds: string[];
  identifiers: PersonalIdentifiers;
}

/**
 * Every table that holds personal data registers one handler (see CONTRIBUTING.md).
 * `erase` runs inside the anonymisation transaction with its `manager`: overwrite names, emails,
 * phones, handles and platform ids with placeholders (`redact` does it inside free text and
 * JSON), delete file contents; keep rows, ids and dates so tickets and statistics survive.
 * `export` returns the keys it adds to the ARCO export (GET /citizens/{id}/export).
 */
export interface PersonalDataHandler {
  name: string;
  /** the tables this handler is responsible for */
  tables: string[];
  export?(manager: EntityManager, subject: PersonalDataSubject): Promise<Record<string, unknown>>;
  erase(manager: EntityManager, subject: PersonalDataSubject, redact: Redactor): Promise<void>;
}

@Injectable()
export class PersonalDataRegistry {
  private readonly handlers: PersonalDataHandler[] = [];
  private readonly free = new Map<string, string>();

  /** Call from your module's constructor or onModuleInit. */
  register(handler: PersonalDataHandler): void {
    if (this.handlers.some((h) => h.name === handler.name)) throw new Error(`personal data handler ${handler.name} registered twice`);
    this.handlers.push(handler);
  }

  /** Tables that hold no personal data about citizens (say why); the coverage test accepts them. */
  declareFreeOfPersonalData(tables: string[], why: string): void {
    for (const t of tables) this.free.set(t, why);
  }

  all(): PersonalDataHandler[] {
    return [...this.handlers];
  }

  /** Tables nobody declared: what the coverage test reports. */
  uncovered(tables: string[]): string[] {
    const covered = new Set([...this.handlers.flatMap((h) => h.tables), ...this.free.keys()]);
    return tables.filter((t) => !covered.has(t));
  }
}
