import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Length, Max, MaxLength, Min } from 'class-validator';
import { IsDateTime } from '../../common/is-date-time';
import { IsSingleLine } from '../../common/single-line';

/** Networks the press office forwards from (SPEC §3.3); each is also the ticket's channel. */
export const FORWARD_NETWORKS = ['facebook', 'instagram', 'x', 'tiktok', 'whatsapp', 'youtube', 'other'] as const;
export type ForwardNetwork = (typeof FORWARD_NETWORKS)[number];

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() || undefined : value);

/** multipart/form-data fields; up to 5 image files in `screenshots`. */
export class ForwardMessageDto {
  @ApiProperty({ enum: FORWARD_NETWORKS }) @IsIn(FORWARD_NETWORKS)
  network: ForwardNetwork;

  @ApiPropertyOptional({ description: 'author name as shown on the network' })
  @Transform(trim) @IsOptional() @IsString() @IsSingleLine() @MaxLength(200)
  authorName?: string;

  @ApiPropertyOptional({ description: '@handle or profile id' })
  @Transform(trim) @IsOptional() @IsString() @IsSingleLine() @MaxLength(200)
  authorHandle?: string;

  @ApiPropertyOptional({ description: 'profile or post URL' })
  @Transform(trim) @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_protocol: true }) @MaxLength(2000)
  url?: string;

  @ApiProperty({ description: 'the text of the post, comment or message' })
  @Transform(trim) @IsString() @Length(1, 20000)
  text: string;

  @ApiPropertyOptional({ description: 'when it was posted (ISO 8601)' })
  @Transform(trim) @IsOptional() @IsDateTime()
  postedAt?: string;

  @ApiPropertyOptional() @Transform(trim) @IsOptional() @IsString() @IsSingleLine() @MaxLength(500)
  address?: string;

  @ApiPropertyOptional() @Transform(trim) @IsOptional() @IsString() @IsSingleLine() @MaxLength(160)
  colonia?: string;

  @ApiPropertyOptional({ type: 'array', items: { type: 'string', format: 'binary' }, description: 'up to 5 screenshots (images only)' })
  @IsOptional() // the files arrive through multer, not in the body; declared for the OpenAPI form
  screenshots?: unknown;
}

export class ListForwardedQuery {
  @ApiPropertyOptional({ default: 50, maximum: 100 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'cursor from the previous page' }) @IsOptional() @IsString() @MaxLength(200)
  cursor?: string;
}
