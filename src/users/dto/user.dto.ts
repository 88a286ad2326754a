import { ApiProperty, ApiPropertyOptional, IntersectionType, OmitType, PartialType, PickType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEmail, IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { IsOptionalButNotNull } from '../../common/is-optional-but-not-null';
import { trim } from '../../common/trim';
import { USER_ROLES, type UserRole } from '../user-role';
import { IsSingleLine } from '../../common/single-line';

export class CreateUserDto {
  @ApiProperty() @IsEmail() @MaxLength(254) email: string;
  /** trimmed first: blanks alone are not a name */
  @ApiProperty({ minLength: 2 }) @Transform(trim) @IsString() @IsSingleLine() @MinLength(2) @MaxLength(160) name: string;
  @ApiProperty({ enum: USER_ROLES }) @IsIn(USER_ROLES) role: UserRole;
  @ApiProperty({ minLength: 10 }) @IsString() @MinLength(10) @MaxLength(200) password: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() areaId?: string;
}

/** every field may be left out; only areaId may be cleared with null */
export class UpdateUserDto extends IntersectionType(
  PartialType(OmitType(CreateUserDto, ['areaId'] as const), { skipNullProperties: false }),
  PartialType(PickType(CreateUserDto, ['areaId'] as const)),
) {
  @ApiPropertyOptional() @IsOptionalButNotNull() @IsBoolean() active?: boolean;
}
