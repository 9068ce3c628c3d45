// Force branding rules (UJ-12, CP-1, CRM-1): a force chooses its colours and logo, but only
// colours that keep white text readable (WCAG 2.2 AA contrast 4.5:1; UJ-2, CP-3, CRM-3).

export const MINIMUM_CONTRAST_WITH_WHITE = 4.5
export const DEFAULT_BRAND_COLOUR = '#1d3f6e'

const HEX_COLOUR = /^#[0-9a-f]{6}$/i

export function isHexColour(value: string): boolean {
  return HEX_COLOUR.test(value)
}

/** WCAG 2.2 relative luminance of an sRGB colour written `#rrggbb`. */
export function relativeLuminance(hex: string): number {
  const channel = (offset: number) => {
    const c = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

/** Contrast ratio of white text on this background, from 1 to 21. */
export function contrastWithWhite(hex: string): number {
  return 1.05 / (relativeLuminance(hex) + 0.05)
}

/** The force's colour if it is a valid readable one, else Waypoint's default. */
export function safeBrandColour(value: string | undefined): string {
  return value && isHexColour(value) && contrastWithWhite(value) >= MINIMUM_CONTRAST_WITH_WHITE
    ? value.toLowerCase()
    : DEFAULT_BRAND_COLOUR
}
