import { ApiProperty, ApiPropertyOptional, IntersectionType, OmitType, PartialType, PickType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEmail, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsOptionalButNotNull } from '../../common/is-optional-but-not-null';
import { trim } from '../../common/trim';
import { IsSingleLine } from '../../common/single-line';

export class CreateAreaDto {
  @ApiProperty({ example: 'alumbrado-publico' }) @Matches(/^[a-z0-9-]{2,60}$/) code: string;
  /** trimmed first: blanks alone are not a name */
  @ApiProperty({ example: 'Alumbrado Público', minLength: 2 }) @Transform(trim) @IsString() @IsSingleLine() @MinLength(2) @MaxLength(160) name: string;
  @ApiPropertyOptional() @IsOptional() @IsEmail() supervisorEmail?: string;
  @ApiPropertyOptional() @IsOptionalButNotNull() @IsBoolean() active?: boolean;
}
/** code, name and active may be left out, not cleared (null is refused); supervisorEmail: null clears it */
export class UpdateAreaDto extends IntersectionType(
  PartialType(PickType(CreateAreaDto, ['code', 'name', 'active'] as const), { skipNullProperties: false }),
  PartialType(OmitType(CreateAreaDto, ['code', 'name', 'active'] as const)),
) {}

export class CreateCategoryDto {
  @ApiProperty({ example: 'bache' }) @Matches(/^[a-z0-9-]{2,60}$/) code: string;
  /** trimmed first: blanks alone are not a name */
  @ApiProperty({ example: 'Bache', minLength: 2 }) @Transform(trim) @IsString() @IsSingleLine() @MinLength(2) @MaxLength(160) name: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() areaId?: string;
  @ApiPropertyOptional() @IsOptionalButNotNull() @IsInt() @Min(1) @Max(365) acceptDays?: number;
  @ApiPropertyOptional() @IsOptionalButNotNull() @IsInt() @Min(1) @Max(365) firstResponseDays?: number;
  @ApiPropertyOptional() @IsOptionalButNotNull() @IsInt() @Min(1) @Max(3650) resolutionDays?: number;
  @ApiPropertyOptional() @IsOptionalButNotNull() @IsBoolean() active?: boolean;
}
/** every field may be left out; only areaId may be cleared with null */
export class UpdateCategoryDto extends IntersectionType(
  PartialType(OmitType(CreateCategoryDto, ['areaId'] as const), { skipNullProperties: false }),
  PartialType(PickType(CreateCategoryDto, ['areaId'] as const)),
) {}
