import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { trim } from '../../common/trim';


export class UpdatePrivacyNoticeDto {
  @ApiProperty({ example: 'Aviso de privacidad simplificado' }) @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(200) title: string;
  @ApiProperty({ description: 'Plain text: blank line between paragraphs, "## " heading, "- " list item. HTML is shown escaped.' })
  @Transform(trim) @IsString() @IsNotEmpty() @MaxLength(100_000) body: string;
}
