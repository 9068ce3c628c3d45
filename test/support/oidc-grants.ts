// The part of oidc-provider (which ships no type declarations) the fake identity providers share:
// the context an account look-up or grant sees, and a grant of fixed scopes given without asking,
// as a provider does for a client it trusts.

export interface OidcGrant {
  addOIDCScope(scope: string): void
  save(): Promise<string>
}
export interface OidcContext {
  oidc: {
    client: { clientId: string }
    session: { accountId: string; grantIdFor(clientId: string): string | undefined }
    result?: { consent?: { grantId?: string } }
    entities?: { AuthorizationCode?: { acr?: string } }
    provider: {
      Grant: {
        new (init: { clientId: string; accountId: string }): OidcGrant
        find(id: string): Promise<OidcGrant>
      }
    }
  }
}

/** `loadExistingGrant`: the session's grant, or a new one of `scope` for the signed-in account. */
export function grantingScopes(scope: string) {
  return async (ctx: OidcContext): Promise<OidcGrant> => {
    const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId)
    if (grantId) return ctx.oidc.provider.Grant.find(grantId)
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    })
    grant.addOIDCScope(scope)
    await grant.save()
    return grant
  }
}
