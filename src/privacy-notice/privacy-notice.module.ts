import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PrivacyNoticeController, PrivacyNoticePageController } from './privacy-notice.controller';
import { PrivacyNotice } from './privacy-notice.entity';
import { PrivacyNoticeService } from './privacy-notice.service';

@Module({
  imports: [TypeOrmModule.forFeature([PrivacyNotice])],
  controllers: [PrivacyNoticePageController, PrivacyNoticeController],
  providers: [PrivacyNoticeService],
  exports: [PrivacyNoticeService],
})
export class PrivacyNoticeModule {}
