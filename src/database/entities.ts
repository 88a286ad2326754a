import { Area } from '../catalog/area.entity';
import { Category } from '../catalog/category.entity';
import { CitizenIdentity } from '../citizens/citizen-identity.entity';
import { Citizen } from '../citizens/citizen.entity';
import { PersonalDataAccess } from '../personal-data/personal-data-access.entity';
import { PrivacyNotice } from '../privacy-notice/privacy-notice.entity';
import { RoutingRule } from '../routing/routing-rule.entity';
import { Attachment } from '../tickets/attachment.entity';
import { Message } from '../tickets/message.entity';
import { TicketEvent } from '../tickets/ticket-event.entity';
import { Ticket } from '../tickets/ticket.entity';
import { User } from '../users/user.entity';

/** Every entity, listed once for the app and the migration CLI. */
export const ENTITIES = [
  Area,
  Category,
  User,
  Citizen,
  CitizenIdentity,
  Ticket,
  Message,
  Attachment,
  TicketEvent,
  PrivacyNotice,
  PersonalDataAccess,
  RoutingRule,
];
