import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsLatitude,
  IsLongitude,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { IsOptionalButNotNull } from '../../common/is-optional-but-not-null';
import { IsDateTime } from '../../common/is-date-time';
import { CitizenContactDto } from '../../citizens/dto/citizen.dto';
import { CAPTURE_CHANNELS, TICKET_CHANNELS, TICKET_PRIORITIES, type TicketChannel, type TicketPriority } from '../ticket-channel';
import { TICKET_STATUSES, type TicketStatus } from '../ticket-status';
import { trim } from '../../common/trim';
import { IsSingleLine } from '../../common/single-line';

const csv = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value;
const bool = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class TicketFieldsDto {
  @ApiPropertyOptional({ enum: TICKET_PRIORITIES }) @IsOptionalButNotNull() @IsIn(TICKET_PRIORITIES) priority?: TicketPriority;
  @ApiPropertyOptional() @IsOptionalButNotNull() @IsUUID() categoryId?: string;
  @ApiPropertyOptional() @IsOptionalButNotNull() @IsUUID() areaId?: string;
  @ApiPropertyOptional() @IsOptional() @Transform(trim) @IsString() @IsSingleLine() @MaxLength(500) address?: string;
  @ApiPropertyOptional() @IsOptional() @Transform(trim) @IsString() @IsSingleLine() @MaxLength(160) colonia?: string;
  @ApiPropertyOptional() @IsOptional() @IsLatitude() latitude?: number;
  @ApiPropertyOptional() @IsOptional() @IsLongitude() longitude?: number;
  @ApiPropertyOptional({ description: 'Street-light pole id painted on the pole' })
  @IsOptional() @Matches(/^[A-Za-z0-9-]{1,40}$/) poleId?: string;
  @ApiPropertyOptional({ type: [String] }) @IsOptionalButNotNull() @IsArray() @ArrayMaxSize(20) @IsString({ each: true }) @IsSingleLine({ each: true }) @MaxLength(40, { each: true })
  tags?: string[];
}

/** Staff capture of a report taken by phone or at the counter. */
export class CreateTicketDto extends TicketFieldsDto {
  @ApiProperty() @Transform(trim) @IsString() @IsSingleLine() @MinLength(3) @MaxLength(300) subject: string;
  @ApiProperty() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(20000) description: string;
  @ApiProperty({ enum: CAPTURE_CHANNELS }) @IsIn(CAPTURE_CHANNELS) channel: TicketChannel;
  @ApiPropertyOptional({ type: CitizenContactDto }) @IsOptional() @ValidateNested() @Type(() => CitizenContactDto)
  citizen?: CitizenContactDto;
}

export class UpdateTicketDto extends TicketFieldsDto {
  @ApiPropertyOptional() @IsOptionalButNotNull() @Transform(trim) @IsString() @IsSingleLine() @MinLength(3) @MaxLength(300) subject?: string;
  @ApiPropertyOptional() @IsOptionalButNotNull() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(20000) description?: string;
  @ApiPropertyOptional({ description: 'Optimistic check: refuse with 409 if the ticket changed since' })
  @IsOptional() @IsInt() @Min(1) expectedVersion?: number;
}

export class TransitionDto {
  @ApiProperty({
    enum: TICKET_STATUSES,
    description: '`assigned` (Turnado) needs an area or an assignee on the ticket (POST /tickets/{folio}/assign sets them); on a ticket already `assigned` it changes nothing',
  })
  @IsIn(TICKET_STATUSES) to: TicketStatus;
  @ApiPropertyOptional({ description: 'Why (required to reject)' }) @IsOptional() @Transform(trim) @IsString() @MaxLength(1000) reason?: string;
  @ApiPropertyOptional({ description: 'Public text for the citizen (the question, the answer)' })
  @IsOptional() @Transform(trim) @IsString() @MaxLength(20000) message?: string;
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() notifyCitizen?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) expectedVersion?: number;
}

/** Files staff add to a ticket (a photo a caller sent by other means, the crew's report, a letter): an internal note. */
export class AttachFilesDto {
  @ApiPropertyOptional({ description: 'What the files are (kept as the note\'s text)' })
  @IsOptional() @Transform(trim) @IsString() @MaxLength(20000) note?: string;
}

export class NoteDto {
  @ApiProperty() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(20000) body: string;
}

/** A reply to the citizen, sent by email (or the ticket's platform) unless notifyCitizen is false. */
export class ReplyDto {
  @ApiProperty() @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(20000) body: string;
  @ApiPropertyOptional({ default: true, description: 'false: record the reply without sending it (e.g. answered by phone)' })
  @IsOptional() @IsBoolean() notifyCitizen?: boolean;
}

export class AssignDto {
  @ApiPropertyOptional({ nullable: true, description: 'User to assign; null to unassign' })
  @IsOptional() @IsUUID() assigneeId?: string | null;
  @ApiPropertyOptional({ description: 'Area the ticket is turned over to; may be left out, not cleared (null is refused)' })
  @IsOptionalButNotNull() @IsUUID() areaId?: string;
  @ApiPropertyOptional() @IsOptional() @Transform(trim) @IsString() @MaxLength(1000) reason?: string;
  @ApiPropertyOptional({ description: 'Optimistic check: refuse with 409 if the ticket changed since' })
  @IsOptional() @IsInt() @Min(1) expectedVersion?: number;
}

export class MergeTicketDto {
  @ApiProperty({ example: 'SLP-2026-000123', description: 'The ticket that survives' })
  @Matches(/^[A-Z]{2,6}-\d{4}-\d{6,}$/) intoFolio: string;
}

export class ListTicketsQuery {
  @ApiPropertyOptional({ description: 'comma-separated statuses' }) @IsOptional() @Transform(csv) @IsArray() @IsIn(TICKET_STATUSES, { each: true })
  status?: TicketStatus[];
  @ApiPropertyOptional() @IsOptional() @IsUUID() areaId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() categoryId?: string;
  @ApiPropertyOptional({ description: 'comma-separated channels' }) @IsOptional() @Transform(csv) @IsArray() @IsIn(TICKET_CHANNELS, { each: true })
  channel?: TicketChannel[];
  @ApiPropertyOptional({ description: 'user id, or "me", or "none"' }) @IsOptional() @Matches(/^(me|none|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i, { message: 'assignee must be a user id, "me" or "none"' }) assignee?: string;
  @ApiPropertyOptional({ enum: TICKET_PRIORITIES }) @IsOptional() @Transform(csv) @IsArray() @IsIn(TICKET_PRIORITIES, { each: true })
  priority?: TicketPriority[];
  @ApiPropertyOptional() @IsOptional() @Transform(bool) @IsBoolean() overdue?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsUUID() citizenId?: string;
  @ApiPropertyOptional({ description: 'created at or after (ISO 8601)' }) @IsOptional() @IsDateTime() from?: string;
  @ApiPropertyOptional({ description: 'created before (ISO 8601)' }) @IsOptional() @IsDateTime() to?: string;
  @ApiPropertyOptional({ description: 'Spanish full-text search, accent-insensitive' })
  @IsOptional() @Transform(trim) @IsString() @MinLength(1) @MaxLength(200) q?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional({ default: 25 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
}
