import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

export class CreateAreaDto {
  @ApiProperty({ example: 'alumbrado-publico' }) @Matches(/^[a-z0-9-]{2,60}$/) code: string;
  @ApiProperty({ example: 'Alumbrado Público' }) @IsString() @MinLength(2) @MaxLength(160) name: string;
  @ApiPropertyOptional() @IsOptional() @IsEmail() supervisorEmail?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
}
export class UpdateAreaDto extends PartialType(CreateAreaDto) {}

export class CreateCategoryDto {
  @ApiProperty({ example: 'bache' }) @Matches(/^[a-z0-9-]{2,60}$/) code: string;
  @ApiProperty({ example: 'Bache' }) @IsString() @MinLength(2) @MaxLength(160) name: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() areaId?: string;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(365) acceptDays?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(365) firstResponseDays?: number;
  @ApiPropertyOptional() @IsOptional() @IsInt() @Min(1) @Max(3650) resolutionDays?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
}
export class UpdateCategoryDto extends PartialType(CreateCategoryDto) {}
