import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsOptionalButNotNull } from '../../common/is-optional-but-not-null';
import { IDENTITY_KINDS, type IdentityKind } from '../identity-kind';
import { blankToUndefined, IsContactEmail, IsContactPhone } from './contact-validators';
import { IsSingleLine } from '../../common/single-line';
import { trim } from '../../common/trim';

/** The citizen on a staff capture: a bad email or phone is refused (400 naming `citizen.email` / `citizen.phone`), not dropped. */
export class CitizenContactDto {
  @ApiPropertyOptional() @IsOptional() @Transform(trim) @IsString() @IsSingleLine() @MaxLength(200) name?: string;
  @ApiPropertyOptional({ example: 'nombre@correo.mx' })
  @Transform(blankToUndefined) @IsOptional() @IsString() @MaxLength(254) @IsContactEmail() email?: string;
  @ApiPropertyOptional({ example: '444 123 4567', description: 'Mexico (+52) when given without a country code; stored as E.164' })
  @Transform(blankToUndefined) @IsOptional() @IsString() @MaxLength(40) @IsContactPhone() phone?: string;
}

/** fields may be left out, not sent as null (an empty list removes every email or phone) */
export class UpdateCitizenDto {
  @ApiPropertyOptional() @IsOptionalButNotNull() @Transform(trim) @IsString() @IsSingleLine() @MaxLength(200) name?: string;
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
