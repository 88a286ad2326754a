import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsDateTime } from '../../common/is-date-time';
import { trim } from '../../common/trim';


export class AnonymiseCitizenDto {
  @ApiProperty({ description: 'Why (e.g. the ARCO request number); kept on every ticket of the citizen', example: 'Solicitud ARCO UT/2026/0142' })
  @Transform(trim) @IsString() @MinLength(5) @MaxLength(1000) reason: string;
}

export const ACCESS_ACTIONS = ['ticket_detail', 'citizen_detail', 'citizen_list', 'export', 'anonymise'] as const;

export class AccessLogQuery {
  @ApiPropertyOptional() @IsOptional() @IsUUID() citizenId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() userId?: string;
  @ApiPropertyOptional({ enum: ACCESS_ACTIONS }) @IsOptional() @IsIn(ACCESS_ACTIONS) action?: (typeof ACCESS_ACTIONS)[number];
  @ApiPropertyOptional() @IsOptional() @IsDateTime() from?: string;
  @ApiPropertyOptional() @IsOptional() @IsDateTime() to?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional({ default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
}
