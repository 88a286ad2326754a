import { InitialSchema1764172800000 } from './1764172800000-InitialSchema';
import { SeedSanLuisPotosiCatalog1764172800100 } from './1764172800100-SeedSanLuisPotosiCatalog';
import { EmailIntake1764200000000 } from './1764200000000-EmailIntake';
import { CreateOutbox1764300000000 } from './1764300000000-CreateOutbox';
import { SocialIntake1764400000000 } from './1764400000000-SocialIntake';
import { RoutingRulesAndSlaNotifications1764500000000 } from './1764500000000-RoutingRulesAndSlaNotifications';
import { PersonalData1764600000000 } from './1764600000000-PersonalData';
import { SearchAndQueueIndexes1764700000000 } from './1764700000000-SearchAndQueueIndexes';
import { DuplicateSearchIndex1764700000100 } from './1764700000100-DuplicateSearchIndex';
import { DuplicateCheckQueue1764800000000 } from './1764800000000-DuplicateCheckQueue';
import { FolioSequences1764800000100 } from './1764800000100-FolioSequences';
import { ThreadSearchSkipsAutomaticMail1764800000200 } from './1764800000200-ThreadSearchSkipsAutomaticMail';
import { DuplicateSearchRecentWindow1764800000300 } from './1764800000300-DuplicateSearchRecentWindow';
import { ThreadSearchVectorFromTrigger1764800000400 } from './1764800000400-ThreadSearchVectorFromTrigger';
import { ThreadSearchPublicOnly1764800000500 } from './1764800000500-ThreadSearchPublicOnly';
import { SocialEventProblemsIndex1764800000600 } from './1764800000600-SocialEventProblemsIndex';
import { OutboxUnavailableRounds1764800000700 } from './1764800000700-OutboxUnavailableRounds';
import { SocialEventClaimToken1764800000800 } from './1764800000800-SocialEventClaimToken';
import { AttachmentContentId1764800000900 } from './1764800000900-AttachmentContentId';
import { DuplicateCheckAttempts1764800001000 } from './1764800001000-DuplicateCheckAttempts';
import { LoginAttemptsAndTokenVersion1764800001100 } from './1764800001100-LoginAttemptsAndTokenVersion';
import { ThreadSearchWritesOnlyChanges1764800001200 } from './1764800001200-ThreadSearchWritesOnlyChanges';
import { TicketForwarders1764800001300 } from './1764800001300-TicketForwarders';
import { SearchSpanishWordForms1764800001400 } from './1764800001400-SearchSpanishWordForms';

/** Every migration, in order. A new migration file must be added here (see CONTRIBUTING.md). */
export const MIGRATIONS = [
  InitialSchema1764172800000,
  SeedSanLuisPotosiCatalog1764172800100,
  EmailIntake1764200000000,
  CreateOutbox1764300000000,
  SocialIntake1764400000000,
  RoutingRulesAndSlaNotifications1764500000000,
  PersonalData1764600000000,
  SearchAndQueueIndexes1764700000000,
  DuplicateSearchIndex1764700000100,
  DuplicateCheckQueue1764800000000,
  FolioSequences1764800000100,
  ThreadSearchSkipsAutomaticMail1764800000200,
  DuplicateSearchRecentWindow1764800000300,
  ThreadSearchVectorFromTrigger1764800000400,
  ThreadSearchPublicOnly1764800000500,
  SocialEventProblemsIndex1764800000600,
  OutboxUnavailableRounds1764800000700,
  SocialEventClaimToken1764800000800,
  AttachmentContentId1764800000900,
  DuplicateCheckAttempts1764800001000,
  LoginAttemptsAndTokenVersion1764800001100,
  ThreadSearchWritesOnlyChanges1764800001200,
  TicketForwarders1764800001300,
  SearchSpanishWordForms1764800001400,
];
