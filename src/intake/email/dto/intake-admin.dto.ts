import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';

export class ListFailuresQuery {
  @ApiPropertyOptional({ enum: ['pending', 'resolved', 'all'] }) @IsOptional() @IsIn(['pending', 'resolved', 'all']) status?: 'pending' | 'resolved' | 'all';
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: 'the id of the last failure of the previous page: the next page starts after it' })
  @IsOptional() @IsUUID() before?: string;
}

export class ListIntakeLogQuery {
  @ApiPropertyOptional({ description: 'e.g. created, appended, duplicate, bounce_recorded, bounce_unmatched, automatic_unmatched, failed' })
  @IsOptional() @IsString() @MaxLength(30) decision?: string;
  @ApiPropertyOptional({ description: 'only entries older than this id (paging)' }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER) before?: number;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}
