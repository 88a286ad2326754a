import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsOptionalButNotNull } from '../../common/is-optional-but-not-null';
import { IDENTITY_KINDS, type IdentityKind } from '../identity-kind';

export class CitizenContactDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) name?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(254) email?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(40) phone?: string;
}

/** fields may be left out, not sent as null (an empty list removes every email or phone) */
export class UpdateCitizenDto {
  @ApiPropertyOptional() @IsOptionalButNotNull() @IsString() @MaxLength(200) name?: string;
  @ApiPropertyOptional({ type: [String] }) @IsOptionalButNotNull() @IsArray() @ArrayMaxSize(10) @IsString({ each: true }) @MaxLength(254, { each: true })
  emails?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptionalButNotNull() @IsArray() @ArrayMaxSize(10) @IsString({ each: true }) @MaxLength(40, { each: true })
  phones?: string[];
}

export class MergeCitizenDto {
  @ApiPropertyOptional({ description: 'The citizen that absorbs this one' }) @IsUUID() intoCitizenId: string;
}

export class ListCitizensQuery {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(2) @MaxLength(100) q?: string;
  @ApiPropertyOptional({ enum: IDENTITY_KINDS }) @IsOptional() @IsIn(IDENTITY_KINDS) kind?: IdentityKind;
  @ApiPropertyOptional() @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
}
