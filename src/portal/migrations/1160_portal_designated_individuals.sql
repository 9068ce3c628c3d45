-- Designated individuals on a case (CP-35..38, decision 0037): a parent or guardian, or an
-- attorney, acts for another person on the same case, as the force's source systems say. The
-- case-person link carries whom they act for; an invitation and the portal link made when it is
-- taken up carry it on, so the account sees the case in that role and for that person only.
-- Set null when the person acted for is deleted (PIRM): the party stays, the relationship goes.
alter table case_parties add column acts_for_person_id uuid references people(id) on delete set null;
alter table portal_invitations add column acts_for_person_id uuid;
alter table portal_links add column acts_for_person_id uuid;
