import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { notFound } from '../common/domain-error';
import { AppConfig } from '../config/app-config';
import { UpdatePrivacyNoticeDto } from './dto/privacy-notice.dto';
import { privacyNoticeUrl } from './privacy-notice-url';
import { PRIVACY_NOTICE_KINDS, PrivacyNotice, type PrivacyNoticeKind } from './privacy-notice.entity';
import { renderPrivacyNoticePage } from './render-privacy-notice';
import { formatDateEs } from '../notifications/format-date-es';

@Injectable()
export class PrivacyNoticeService {
  private readonly logger = new Logger(PrivacyNoticeService.name);

  constructor(
    @InjectRepository(PrivacyNotice) private readonly notices: Repository<PrivacyNotice>,
    private readonly config: AppConfig,
  ) {}

  async get() {
    const rows = await this.notices.find();
    const byKind = new Map(rows.map((r) => [r.kind, r]));
    const pick = (kind: PrivacyNoticeKind) => {
      const n = byKind.get(kind);
      if (!n) throw notFound(`Privacy notice ${kind}`);
      return { title: n.title, body: n.body, updatedAt: n.updatedAt };
    };
    return {
      url: privacyNoticeUrl(this.config.publicBaseUrl),
      simplificado: pick('simplificado'),
      integral: pick('integral'),
    };
  }

  async page(): Promise<string> {
    const { simplificado, integral } = await this.get();
    const dated = (n: { title: string; body: string; updatedAt: Date }) => ({ ...n, updated: formatDateEs(n.updatedAt, this.config.cityTimeZone)?.replace(/ a las? .*$/, '') ?? null });
    return renderPrivacyNoticePage(dated(simplificado), dated(integral));
  }

  async update(kind: string, dto: UpdatePrivacyNoticeDto, userId: string) {
    if (!PRIVACY_NOTICE_KINDS.includes(kind as PrivacyNoticeKind)) throw notFound(`Privacy notice ${kind}`);
    await this.notices.save({ kind: kind as PrivacyNoticeKind, title: dto.title, body: dto.body, updatedById: userId });
    this.logger.log({ kind, userId }, 'privacy notice updated');
    return this.get();
  }
}
