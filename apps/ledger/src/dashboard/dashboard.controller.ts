import { Controller, Get, NotFoundException, Param, Res, StreamableFile } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '@ledger/app/platform/http/api-key.guard.js';
import { DashboardAssets } from './dashboard-assets.js';

/** The page and its files come from this service only: no inline code, no other origin, no framing. */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The finance dashboard: a static page that needs no key to load. Its data comes from the /v1 API,
 * called by the browser with the key the user types, so the page itself holds nothing secret.
 */
@Controller('dashboard')
@Public()
export class DashboardController {
  private readonly assets = new DashboardAssets();

  @Get()
  page(@Res({ passthrough: true }) response: Response): Promise<StreamableFile> {
    return this.serve('index.html', response);
  }

  @Get(':file')
  file(@Param('file') name: string, @Res({ passthrough: true }) response: Response): Promise<StreamableFile> {
    return this.serve(name, response);
  }

  private async serve(name: string, response: Response): Promise<StreamableFile> {
    const asset = await this.assets.read(name);
    if (!asset) throw new NotFoundException('the dashboard has no such file');
    response.setHeader('Content-Security-Policy', DASHBOARD_CSP);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('Cache-Control', 'no-cache');
    return new StreamableFile(asset.body, { type: asset.contentType, length: asset.body.length });
  }
}
