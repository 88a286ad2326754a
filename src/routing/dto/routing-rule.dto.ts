import { ApiProperty, ApiPropertyOptional, IntersectionType, OmitType, PartialType, PickType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptionalButNotNull } from '../../common/is-optional-but-not-null';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { trim } from '../../common/trim';


export class CreateRoutingRuleDto {
  @ApiProperty({ example: 'luminaria', description: 'Word or phrase; accents and case are ignored; a trailing * matches any ending' })
  @Transform(trim) @IsString() @MinLength(2) @MaxLength(200) @Matches(/[\p{L}\p{N}]{2}/u, { message: 'keyword must contain letters or digits' })
  keyword: string;
  @ApiPropertyOptional({ enum: ['category', 'transparency'], default: 'category' }) @IsOptionalButNotNull() @IsIn(['category', 'transparency'])
  kind?: 'category' | 'transparency';
  @ApiPropertyOptional({ description: 'Required for kind=category' }) @IsOptional() @IsUUID() categoryId?: string;
  @ApiPropertyOptional({ default: 1 }) @IsOptionalButNotNull() @IsInt() @Min(1) @Max(100) weight?: number;
  @ApiPropertyOptional({ default: true }) @IsOptionalButNotNull() @IsBoolean() active?: boolean;
}

/** every field may be left out; only categoryId may be cleared with null */
export class UpdateRoutingRuleDto extends IntersectionType(
  PartialType(OmitType(CreateRoutingRuleDto, ['categoryId'] as const), { skipNullProperties: false }),
  PartialType(PickType(CreateRoutingRuleDto, ['categoryId'] as const)),
) {}

export class TryRoutingDto {
  @ApiProperty({ example: 'No hay luz en la calle, poste AP-10231' }) @IsString() @MinLength(1) @MaxLength(20000) text: string;
}
